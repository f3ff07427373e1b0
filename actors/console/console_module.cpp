#include "actors/console/console_module.hpp"

#include "actors/console/assets.hpp"
#include "actors/console/command_registry.hpp"
#include "actors/console/console.hpp"
#include "config/log.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <memory>

namespace gh::console {

namespace {

/// `/help`: the registry's own listing. It holds the registry weakly: the registry holds it.
command_spec help_command(const std::shared_ptr<command_registry>& registry) {
  return {"help",
          {},
          "list the commands",
          [weak = std::weak_ptr<command_registry>{registry}](command_call&& call) {
            if (auto commands = weak.lock())
              call.reply->result(boost::json::serialize(commands->help()));
            else
              call.reply->fail(gh_errc::provider_unavailable, "the console is shutting down");
          }};
}

} // namespace

void install(app& a) {
  auto registry = std::make_shared<command_registry>();
  a.keep(registry);

  console_options o;
  o.commands = registry;
  o.stats = &a.stats;
  // Answered before the gateway's own handler timeout, so REST callers get the console's reply.
  o.deadline = std::max(
      std::chrono::milliseconds{1000},
      std::chrono::duration_cast<std::chrono::milliseconds>(a.settings.gateway.handler_timeout) -
          std::chrono::milliseconds{1000});
  auto console = spawn_console(a.sys, std::move(o));
  a.own(console);
  a.set_console(caf::actor_cast<console_actor>(console));
  a.add_route("POST", "/api/v1/console", caf::actor_cast<http_handler_actor>(console),
              body_kind::json, auth_policy::user);

  // The sign-in page links every configured OpenID provider (static configuration).
  std::vector<std::string> providers;
  for (const auto& p : a.settings.oidc_providers)
    providers.push_back(p.name);
  auto assets = spawn_assets(a.sys, providers);
  a.own(caf::actor_cast<caf::actor>(assets));
  for (const char* path : {"/", "/reset-password", "/assets/{name}"})
    a.add_route("GET", path, assets, body_kind::none, auth_policy::none);

  a.add_docs({
      {"POST",
       "/api/v1/console",
       "console",
       "Run one console command (the same frames as over the WebSocket)",
       R"({"type":"object","properties":{"id":{},"line":{"type":"string"},)"
       R"("cmd":{"type":"string"},"args":{"type":"object"}}})",
       200,
       R"({"type":"object","required":["ok"],"properties":{"id":{},"ok":{"type":"boolean"},)"
       R"("result":{},"error":{"type":"object"}}})",
       {}},
      {"GET", "/", "console", "The web console page (HTML)", {}, 200, {}, {}},
      {"GET",
       "/reset-password",
       "console",
       "The console's password-reset page (HTML)",
       {},
       200,
       {},
       {}},
      {"GET",
       "/assets/{name}",
       "console",
       "The console's script, styles and icons under content-hashed names (immutable)",
       {},
       200,
       {},
       {}},
  });
  a.add_command(help_command(registry));
  // Commands of the modules installed so far, now (a malformed one fails the start); those of
  // modules installed after this one when the process starts.
  for (const auto& spec : a.commands())
    registry->add(spec);
  a.on_start([&a, registry, seen = a.commands().size()] {
    for (std::size_t i = seen; i < a.commands().size(); ++i) {
      try {
        registry->add(a.commands()[i]);
      } catch (const std::invalid_argument& e) {
        log::error("console command refused", {{"error", e.what()}});
      }
    }
  });
}

} // namespace gh::console
