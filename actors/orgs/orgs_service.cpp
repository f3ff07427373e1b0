#include "actors/orgs/orgs_service.hpp"

#include "actors/orgs/flows.hpp"
#include "actors/service_actor.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace gh::orgs {

namespace {

using replies::req_ptr;

struct orgs_state {
  orgs_options opt;
};

using self_ptr = caf::stateful_actor<orgs_state>*;

class orgs_service {
public:
  explicit orgs_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    if (!r->auth.is_user()) {
      r->reply->fail(gh_errc::unauthorized, "sign in first");
      return;
    }
    const auto& route = r->route;
    if (route == "/api/v1/orgs") {
      if (r->method == "POST")
        create(r);
      else
        run(r, {}, [](db::transaction& tx) { return list_organizations(tx); });
      return;
    }
    if (route == "/api/v1/orgs/invitations/accept") {
      accept(r);
      return;
    }
    const std::string org{r->param("id")};
    if (!is_uuid(org)) {
      r->reply->fail(gh_errc::not_found, "no such organization");
      return;
    }
    if (route == "/api/v1/orgs/{id}")
      organization(r, org);
    else if (route == "/api/v1/orgs/{id}/members")
      run(r, org, [org](db::transaction& tx) { return list_members(tx, org); });
    else if (route == "/api/v1/orgs/{id}/invitations")
      invitation(r, org);
    else
      member(r, org);
  }

private:
  template <class Work>
  void run(const req_ptr& r, const std::string& org, Work work) {
    tenancy::respond(self_, *opt_.db, opt_.db_timeout, r, tenancy::caller_of(*r, org),
                     std::move(work));
  }

  template <class T>
  static bool decoded_ok(const req_ptr& r, decoded<T>& d) {
    if (auto* errors = std::get_if<field_errors>(&d)) {
      r->reply->fail(gh_errc::validation, "the request is invalid", std::move(*errors));
      return false;
    }
    return true;
  }

  void create(const req_ptr& r) {
    auto name = decode_name(r->body);
    if (!decoded_ok(r, name))
      return;
    const auto id = crypto::random_uuid();
    run(r, id, [r, id, named = std::get<std::string>(std::move(name))](db::transaction& tx) {
      return create_organization(tx, *r, id, named);
    });
  }

  void organization(const req_ptr& r, const std::string& org) {
    if (r->method == "GET") {
      run(r, org, [org](db::transaction& tx) { return show_organization(tx, org); });
    } else if (r->method == "DELETE") {
      run(r, org, [r, org](db::transaction& tx) { return delete_organization(tx, *r, org); });
    } else {
      auto name = decode_name(r->body);
      if (!decoded_ok(r, name))
        return;
      run(r, org, [r, org, named = std::get<std::string>(std::move(name))](db::transaction& tx) {
        return rename_organization(tx, *r, org, named);
      });
    }
  }

  void invitation(const req_ptr& r, const std::string& org) {
    auto req = decode_invitation(r->body);
    if (!decoded_ok(r, req))
      return;
    run(r, org,
        [r, org, asked = std::get<invitation_request>(std::move(req)), id = crypto::random_uuid(),
         token = crypto::random_token(32), url = opt_.public_url](db::transaction& tx) {
          return invite(tx, *r, org, asked, id, token, url);
        });
  }

  void accept(const req_ptr& r) {
    auto token = decode_acceptance(r->body);
    if (!decoded_ok(r, token))
      return;
    run(r, {}, [r, presented = std::get<std::string>(std::move(token))](db::transaction& tx) {
      return accept_invitation(tx, *r, presented);
    });
  }

  void member(const req_ptr& r, const std::string& org) {
    const std::string user{r->param("user_id")};
    if (!is_uuid(user)) {
      r->reply->fail(gh_errc::not_found, "no such member");
      return;
    }
    if (r->method == "DELETE") {
      run(r, org, [r, org, user](db::transaction& tx) { return remove_member(tx, *r, org, user); });
      return;
    }
    auto role = decode_role_change(r->body);
    if (!decoded_ok(r, role))
      return;
    run(r, org, [r, org, user, wanted = std::get<tenancy::org_role>(role)](db::transaction& tx) {
      return change_member(tx, *r, org, user, wanted);
    });
  }

  self_ptr self_;
  orgs_options& opt_;
};

} // namespace

http_handler_actor spawn_orgs(caf::actor_system& sys, orgs_options options) {
  return spawn_service<orgs_service, orgs_state>(sys, std::move(options));
}

const std::vector<route_entry>& routes() {
  static const std::vector<route_entry> all{
      {"POST", "/api/v1/orgs", body_kind::json},
      {"GET", "/api/v1/orgs", body_kind::none},
      {"POST", "/api/v1/orgs/invitations/accept", body_kind::json},
      {"GET", "/api/v1/orgs/{id}", body_kind::none},
      {"PATCH", "/api/v1/orgs/{id}", body_kind::json},
      {"DELETE", "/api/v1/orgs/{id}", body_kind::none},
      {"GET", "/api/v1/orgs/{id}/members", body_kind::none},
      {"POST", "/api/v1/orgs/{id}/invitations", body_kind::json},
      {"PATCH", "/api/v1/orgs/{id}/members/{user_id}", body_kind::json},
      {"DELETE", "/api/v1/orgs/{id}/members/{user_id}", body_kind::none},
  };
  return all;
}

} // namespace gh::orgs
