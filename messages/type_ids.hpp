#pragma once

// The one CAF type-ID block of Gatehouse: every atom and message type actors exchange.

#include "messages/http.hpp"
#include "messages/user_key.hpp"
#include "messages/ws.hpp"

#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(gatehouse, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(gatehouse, (gh::http_request))
  CAF_ADD_TYPE_ID(gatehouse, (gh::ws_frame))
  CAF_ADD_TYPE_ID(gatehouse, (gh::user_key))
  CAF_ADD_TYPE_ID(gatehouse, (gh::user_actor_kind))

  CAF_ADD_ATOM(gatehouse, gh, forward_atom, "forward")
  CAF_ADD_ATOM(gatehouse, gh, count_atom, "count")
  CAF_ADD_ATOM(gatehouse, gh, sweep_atom, "sweep")
  CAF_ADD_ATOM(gatehouse, gh, idle_atom, "idle")
  CAF_ADD_ATOM(gatehouse, gh, stats_atom, "stats")
  CAF_ADD_ATOM(gatehouse, gh, probe_atom, "probe")
  CAF_ADD_ATOM(gatehouse, gh, exec_atom, "exec")
  CAF_ADD_ATOM(gatehouse, gh, hash_atom, "hash")
  CAF_ADD_ATOM(gatehouse, gh, verify_atom, "verify")
  CAF_ADD_ATOM(gatehouse, gh, sync_atom, "sync")
  CAF_ADD_ATOM(gatehouse, gh, tick_atom, "tick")
  CAF_ADD_ATOM(gatehouse, gh, status_atom, "status")
  CAF_ADD_ATOM(gatehouse, gh, refresh_atom, "refresh")
  CAF_ADD_ATOM(gatehouse, gh, add_atom, "add")
  CAF_ADD_ATOM(gatehouse, gh, complete_atom, "complete")
  CAF_ADD_ATOM(gatehouse, gh, delete_atom, "delete")
  CAF_ADD_ATOM(gatehouse, gh, drain_atom, "drain")
  CAF_ADD_ATOM(gatehouse, gh, owner_atom, "owner")
  CAF_ADD_ATOM(gatehouse, gh, remote_atom, "remote")
  CAF_ADD_ATOM(gatehouse, gh, answer_atom, "answer")
  CAF_ADD_ATOM(gatehouse, gh, lost_atom, "lost")
  CAF_ADD_ATOM(gatehouse, gh, release_atom, "release")

CAF_END_TYPE_ID_BLOCK(gatehouse)
