#pragma once

#include "actors/external_tokens.hpp"
#include "messages/http.hpp"
#include "messages/ws.hpp"

namespace gh {

/// Sends `req` to `handler` without blocking; kept in its own translation unit so the Beast
/// session code does not instantiate CAF's templates.
void dispatch(const http_handler_actor& handler, http_request&& req);

/// Sends `req` to `resolver`, which settles its caller and hands it on to `handler`.
void dispatch(const token_resolver_actor& resolver, http_request&& req,
              const http_handler_actor& handler);

/// Sends `query` to `resolver` without blocking.
void dispatch(const token_resolver_actor& resolver, token_query&& query);

/// Sends `frame` to the console actor without blocking.
void dispatch(const console_actor& console, ws_frame&& frame);

} // namespace gh
