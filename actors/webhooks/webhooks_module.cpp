#include "actors/webhooks/webhooks_module.hpp"

#include "actors/api_keys.hpp"
#include "actors/webhooks/fanout.hpp"
#include "actors/webhooks/sender.hpp"
#include "actors/webhooks/webhooks_admin.hpp"
#include "actors/webhooks/webhooks_docs.hpp"
#include "crypto/crypto.hpp"

namespace gh::webhooks {

void install(app& a) {
  const auto& s = a.settings;
  const url_policy policy{!s.production(), s.webhooks_allow_private};
  // Endpoint secrets are sealed under a key of their own, derived from the secrets key.
  const auto seal_key = crypto::hkdf_sha256(a.secrets_key, "gatehouse webhook secrets v1", 32);

  webhooks_admin_options operators;
  operators.db = &a.db;
  operators.keys = api_keys::checker{api_keys::options_for(a)};
  operators.policy = policy;
  operators.seal_key = seal_key;
  auto admin = spawn_webhooks_admin(a.sys, std::move(operators));
  a.own(caf::actor_cast<caf::actor>(admin));
  for (const auto& r : admin_routes())
    a.add_route(r.method, r.pattern, admin, r.body, auth_policy::optional);

  for (auto& spec : fanout_consumers())
    a.add_consumer(std::move(spec));

  auto stats = std::make_shared<webhook_stats>();
  a.keep(stats);
  a.stats.add_collector([stats = stats.get()](std::string& out) { stats->render(out); });
  sender_options sending;
  sending.database_url = s.database_url;
  sending.attempt.policy = policy;
  sending.seal_key = seal_key;
  sending.stats = stats.get();
  a.on_start([&a, sending] { a.own_background(spawn_sender(a.sys, sending)); });
  describe(a);
}

} // namespace gh::webhooks
