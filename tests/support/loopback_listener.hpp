#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace gh::test {

/// A TCP socket listening on 127.0.0.1, on a port the kernel picked.
struct loopback_socket {
  int fd = -1;
  uint16_t port = 0;
};

/// Opens one with room for `backlog` pending connections; throws std::runtime_error naming
/// `who` when it cannot.
loopback_socket listen_on_loopback(int backlog, const char* who);

/// Accepts connections on `fd` until `stop` is set (looked at every 50 ms), handing each
/// accepted socket to `on_connection`.
void accept_until(int fd, const std::atomic<bool>& stop,
                  const std::function<void(int)>& on_connection);

} // namespace gh::test
