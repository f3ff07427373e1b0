#include "actors/files/files_module.hpp"

#include "actors/api_keys.hpp"
#include "actors/files/files_admin.hpp"
#include "actors/files/files_docs.hpp"
#include "actors/files/files_service.hpp"
#include "actors/files/storage_calls.hpp"
#include "actors/files/upload_flow.hpp"
#include "providers/storage/local.hpp"

#include <algorithm>

namespace gh::files {

void install(app& a) {
  const auto& s = a.settings;
  // Actors point at the store and the workers that call it, so both outlive them.
  std::shared_ptr<storage::store> store = storage::store_of(s, a.secrets_key, a.public_base());
  a.keep(store);
  if (auto local = std::dynamic_pointer_cast<const storage::local_store>(store))
    a.set_local_storage(std::move(local));
  auto calls = std::make_shared<storage_calls>(a.sys, store, 4);
  a.keep(calls);
  a.on_stop([calls] { calls->stop(); });

  const int64_t ttl = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(s.files.url_ttl).count());
  upload_options uploads;
  uploads.db = &a.db;
  uploads.calls = calls.get();
  uploads.store = store.get();
  uploads.url_ttl = ttl;
  // A pending upload's actor outlives its URL, so the expiry always finds it.
  const auto idle = std::max<std::chrono::milliseconds>(
      s.user_actor_idle, s.files.url_ttl + uploads.expiry_grace + std::chrono::minutes{2});
  a.add_user_actor_kind(std::string{upload_kind}, upload_flow_kind(uploads, idle));

  files_options user_side;
  user_side.db = &a.db;
  user_side.store = store.get();
  user_side.registry = a.registry;
  user_side.max_bytes = s.files.max_bytes;
  user_side.quota_bytes = s.files.quota_bytes;
  user_side.allowed_types = s.files.allowed_types;
  user_side.url_ttl = ttl;
  auto service = spawn_files(a.sys, std::move(user_side));
  a.own(caf::actor_cast<caf::actor>(service));
  for (const auto& r : routes())
    a.add_route(r.method, r.pattern, service, r.body, auth_policy::user);

  files_admin_options operators;
  operators.db = &a.db;
  operators.keys = api_keys::checker{api_keys::options_for(a)};
  operators.store = store.get();
  operators.url_ttl = ttl;
  auto admin = spawn_files_admin(a.sys, std::move(operators));
  a.own(caf::actor_cast<caf::actor>(admin));
  for (const auto& r : admin_routes())
    a.add_route(r.method, r.pattern, admin, r.body, auth_policy::optional);

  a.own(spawn_upload_janitor(a.sys, &a.db, a.registry, std::chrono::minutes{1},
                             uploads.expiry_grace));
  a.add_push({"file.uploaded", {}, {}});
  a.add_push({"file.deleted", {}, {}});
  describe(a);
  // The console's command is the listing route itself.
  a.add_command({"files",
                 {},
                 "your files, newest first (the first 50)",
                 via_route(service, "GET", "/api/v1/files")});
}

} // namespace gh::files
