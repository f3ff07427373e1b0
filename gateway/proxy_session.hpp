#pragma once

#include "gateway/context.hpp"
#include "gateway/http_session.hpp"

#include <boost/beast/core/flat_buffer.hpp>

#include <cstddef>
#include <string>

namespace gh {

/// Bytes moved per step between a client and an upstream, each way: the memory one proxied
/// exchange holds besides the headers, whatever the size of the bodies.
inline constexpr std::size_t proxy_chunk_bytes = std::size_t{64} * 1024;

/// Takes the connection over for one request under `upstream`'s prefix (API.md "Proxy to
/// internal services"), on the connection's io thread: reads the head, authenticates the caller
/// (401/403 before anything reaches the upstream), spends its rate, forwards the request with
/// the rewritten header section (gateway/proxy_headers.hpp) on a kept-alive connection from this
/// thread's pool, streams the body up and the answer down one bounded chunk at a time (neither
/// side is read faster than the other takes), and hands the connection back to a fresh
/// `http_session` when it stays open. 502 `upstream-unavailable` when the upstream cannot be
/// reached, 504 `upstream-timeout` when its answer's head does not arrive in time; silence longer
/// than the timeout in the middle of a body ends both connections.
void serve_proxy(http_session::socket_type&& socket, boost::beast::flat_buffer&& buffer,
                 gateway_context& ctx, std::string remote_ip, std::size_t upstream);

} // namespace gh
