#include "actors/files/files_admin.hpp"

#include "actors/files/file_reads.hpp"
#include "actors/replies.hpp"
#include "actors/service_actor.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace gh::files {

namespace {

using replies::req_ptr;

struct files_admin_state {
  files_admin_options opt;
};

using admin_self = caf::stateful_actor<files_admin_state>*;

class files_admin_service {
public:
  explicit files_admin_service(admin_self self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    opt_.keys.check_route(self_, admin_routes(), r, [this, r](const api_keys::caller&) {
      const read_options reads{opt_.db, opt_.store, opt_.url_ttl, opt_.db_timeout};
      if (r->route == "/api/v1/admin/files")
        list_files(self_, reads, r, {}, true);
      else
        get_file(self_, reads, r, {}, true);
    });
  }

private:
  admin_self self_;
  files_admin_options& opt_;
};

} // namespace

http_handler_actor spawn_files_admin(caf::actor_system& sys, files_admin_options options) {
  return spawn_service<files_admin_service, files_admin_state>(sys, std::move(options));
}

const std::vector<api_keys::key_route>& admin_routes() {
  static const std::vector<api_keys::key_route> all{
      {"GET", "/api/v1/admin/files", body_kind::none, "files:read"},
      {"GET", "/api/v1/admin/files/{id}", body_kind::none, "files:read"},
  };
  return all;
}

} // namespace gh::files
