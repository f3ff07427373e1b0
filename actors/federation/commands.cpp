#include "actors/federation/commands.hpp"

#include "messages/decode.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <memory>

namespace gh::federation {

namespace {

constexpr std::string_view me_route = "/api/v1/users/me";
constexpr std::string_view unlink_route = "/api/v1/users/me/identities/{provider}";

bool provider_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string configured_list(const std::vector<std::string>& providers) {
  if (providers.empty())
    return "none is configured";
  std::string out = "configured: ";
  for (const auto& p : providers)
    out += (&p == &providers.front() ? "" : ", ") + p;
  return out;
}

/// The caller's provider argument, or (answered) the 404 of a name that is not a provider's
/// shape or, when `configured_only`, not one of `providers`.
std::optional<std::string> command_provider(const command_call& call,
                                            const std::vector<std::string>& providers,
                                            bool configured_only) {
  const auto& word = call.args.at("provider").as_string();
  auto name = provider_argument(word);
  if (name && (!configured_only || std::ranges::find(providers, *name) != providers.end()))
    return name;
  call.reply->fail(gh_errc::not_found, "no provider named \"" + decode::echoable(word) + "\" (" +
                                           configured_list(providers) + ")");
  return std::nullopt;
}

command_handler identities_handler(http_handler_actor me) {
  return [me = std::move(me)](command_call&& call) {
    auto reply = call.reply;
    ask_route(me, {"GET", std::string{me_route}, std::string{me_route}, {}, {}}, call,
              [reply](http_response res) {
                if (res.status != 200) {
                  answer_from(*reply, std::move(res));
                  return;
                }
                if (auto list = identities_of(res.body))
                  reply->result(boost::json::serialize(*list));
                else
                  reply->fail(gh_errc::internal, "the account's identities could not be read");
              });
  };
}

command_handler link_handler(std::string public_base, std::vector<std::string> providers) {
  return [public_base = std::move(public_base),
          providers = std::move(providers)](command_call&& call) {
    if (auto name = command_provider(call, providers, true))
      call.reply->result(
          boost::json::serialize(boost::json::object{{"url", link_url(public_base, *name)}}));
  };
}

command_handler unlink_handler(http_handler_actor service, std::vector<std::string> providers) {
  return [service = std::move(service), providers = std::move(providers)](command_call&& call) {
    // Any well-formed name goes to the route: an identity of a provider no longer configured
    // can still be unlinked.
    auto name = command_provider(call, providers, false);
    if (!name)
      return;
    auto reply = call.reply;
    ask_route(
        service,
        {"DELETE",
         std::string{unlink_route},
         "/api/v1/users/me/identities/" + *name,
         {{"provider", *name}},
         {}},
        call, [reply, unlinked = *name](http_response res) {
          if (res.status < 200 || res.status > 299)
            answer_from(*reply, std::move(res));
          else
            reply->result(boost::json::serialize(boost::json::object{{"unlinked", unlinked}}));
        });
  };
}

} // namespace

std::optional<std::string> provider_argument(std::string_view word) {
  auto name = decode::ascii_lower(word);
  if (name.empty() || name.size() > 32 || name.front() < 'a' || name.front() > 'z' ||
      !std::ranges::all_of(name, provider_name_char))
    return std::nullopt;
  return name;
}

std::string link_url(std::string_view public_base, std::string_view provider) {
  return std::string{public_base} + "/api/v1/auth/oidc/" + std::string{provider} +
         "/login?link=true&redirect=/";
}

std::optional<boost::json::array> identities_of(std::string_view body) {
  auto parsed = parse_untrusted_json(body);
  const auto* value = std::get_if<boost::json::value>(&parsed);
  const auto* me = value == nullptr ? nullptr : value->if_object();
  const auto* list = me == nullptr ? nullptr : me->if_contains("identities");
  if (list == nullptr || !list->is_array())
    return std::nullopt;
  return list->as_array();
}

void add_commands(app& a, const http_handler_actor& service, std::vector<std::string> providers) {
  const auto me = std::ranges::find_if(
      a.routes(), [](const route& r) { return r.method == "GET" && r.pattern == me_route; });
  if (me != a.routes().end())
    a.add_command({"identities",
                   {},
                   "the providers linked to your account",
                   identities_handler(me->handler)});
  a.add_command({"link",
                 {{"provider", arg_kind::word, true, 0, 0}},
                 "link a provider to your account: answers the link to sign in there",
                 link_handler(a.public_base(), providers)});
  a.add_command({"unlink",
                 {{"provider", arg_kind::word, true, 0, 0}},
                 "unlink a provider from your account",
                 unlink_handler(service, std::move(providers))});
}

} // namespace gh::federation
