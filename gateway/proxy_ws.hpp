#pragma once

#include "gateway/context.hpp"
#include "gateway/http_session.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>

#include <cstddef>
#include <string>

namespace gh {

/// A WebSocket upgrade under an upstream's prefix, already authenticated by the proxy.
struct ws_relay_request {
  /// The client's handshake request as received.
  boost::beast::http::request<boost::beast::http::buffer_body> client;
  /// The upstream's handshake: target and the rewritten header section (proxy_headers.hpp).
  boost::beast::http::request_header<> upstream;
  /// Subprotocols to offer the upstream (the client's, less `bearer` and its token).
  std::string protocols;
  /// The client authenticated with `Sec-WebSocket-Protocol: bearer, <JWT>`: the handshake
  /// echoes `bearer` unless the upstream selected a protocol of its own.
  bool bearer_protocol = false;
  std::string request_id;
  std::string remote_ip;
};

/// Relays a WebSocket between the client and the upstream: opens the upstream's WebSocket first
/// (502/504 problems when it cannot, before the client's handshake is answered), then accepts the
/// client's and moves every message both ways, one message in flight per direction (each
/// limited to `GATEHOUSE_WS_MESSAGE_LIMIT`); a close on either side closes the other with the
/// same code.
void relay_websocket(http_session::socket_type&& client, boost::beast::flat_buffer&& early,
                     gateway_context& ctx, std::size_t upstream, ws_relay_request&& request);

} // namespace gh
