#include "actors/records/audience.hpp"

#include "config/log.hpp"
#include "messages/event_envelope.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

namespace gh::records {

/// Asks the audience actor for the members of `org_id`, to hand them to `deliver`.
struct audience_request {
  std::string org_id;
  push_deliver deliver;
};

} // namespace gh::records

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::records::audience_request)

namespace gh::records {

namespace {

caf::behavior audience_impl(caf::event_based_actor* self, db::database* db,
                            std::chrono::milliseconds timeout) {
  return {
      [self, db, timeout](audience_request& req) {
        db->query<std::vector<std::string>>(
            self, timeout,
            [org = req.org_id](db::transaction& tx) {
              std::vector<std::string> users;
              for (const auto& row :
                   tx.exec("SELECT user_id::text FROM org_members WHERE org_id = $1::uuid", {org}))
                users.push_back(db::text(row, 0));
              return users;
            },
            [deliver = std::move(req.deliver)](caf::expected<std::vector<std::string>> users) {
              // Push is best effort: without the database, this event reaches nobody.
              if (!users) {
                log::warn("cannot find who sees an organization's record; not pushed");
                return;
              }
              if (!users->empty())
                deliver(*users);
            });
      },
  };
}

} // namespace

record_audience spawn_record_audience(caf::actor_system& sys, db::database& db,
                                      std::chrono::milliseconds timeout) {
  auto actor = sys.spawn(audience_impl, &db, timeout);
  auto audience = [actor](const boost::json::object& data, push_deliver deliver) {
    const auto uuid_at = [&data](std::string_view key) -> std::string {
      const auto* v = data.if_contains(key);
      return v != nullptr && v->is_string() && is_uuid(v->get_string())
                 ? std::string{v->get_string()}
                 : std::string{};
    };
    if (auto owner = uuid_at("owner_id"); !owner.empty()) {
      deliver({owner});
      return;
    }
    if (auto org = uuid_at("org_id"); !org.empty())
      caf::anon_send(actor, audience_request{std::move(org), std::move(deliver)});
  };
  return {std::move(audience), actor};
}

} // namespace gh::records
