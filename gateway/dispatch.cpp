#include "gateway/dispatch.hpp"

#include "messages/type_ids.hpp"

#include <caf/send.hpp>

namespace gh {

void dispatch(const http_handler_actor& handler, http_request&& req) {
  caf::anon_send(handler, std::move(req));
}

void dispatch(const token_resolver_actor& resolver, http_request&& req,
              const http_handler_actor& handler) {
  caf::anon_send(resolver, forward_atom_v, std::move(req), handler);
}

void dispatch(const token_resolver_actor& resolver, token_query&& query) {
  caf::anon_send(resolver, forward_atom_v, std::move(query));
}

void dispatch(const console_actor& console, ws_frame&& frame) {
  caf::anon_send(console, std::move(frame));
}

} // namespace gh
