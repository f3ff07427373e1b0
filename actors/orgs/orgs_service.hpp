#pragma once

#include "messages/http.hpp"
#include "persistence/sql.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace gh::orgs {

/// What the organizations actor works with; the database outlives the actor.
struct orgs_options {
  db::database* db = nullptr;
  /// `GATEHOUSE_PUBLIC_URL` without a trailing '/': invitation links start with it.
  std::string public_url;
  std::chrono::milliseconds db_timeout{5000};
};

/// The organizations API (API.md "Organizations"): organizations, their members and roles,
/// invitations by email. Every statement runs as `gatehouse_tenant` with the caller set
/// (`tenancy::respond`); `org_rules` decides who may do what.
http_handler_actor spawn_orgs(caf::actor_system& sys, orgs_options options);

/// One route of the organizations actor; all need a signed-in user.
struct route_entry {
  const char* method;
  const char* pattern;
  body_kind body;
};

/// The routes the organizations actor serves.
const std::vector<route_entry>& routes();

} // namespace gh::orgs
