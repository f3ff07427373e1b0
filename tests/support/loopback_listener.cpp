#include "tests/support/loopback_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace gh::test {

loopback_socket listen_on_loopback(int backlog, const char* who) {
  loopback_socket out;
  out.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (out.fd < 0 || ::bind(out.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(out.fd, backlog) != 0) {
    if (out.fd >= 0)
      ::close(out.fd);
    throw std::runtime_error(std::string{who} + ": cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(out.fd, reinterpret_cast<sockaddr*>(&addr), &len);
  out.port = ntohs(addr.sin_port);
  return out;
}

void accept_until(int fd, const std::atomic<bool>& stop,
                  const std::function<void(int)>& on_connection) {
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    const int conn = ::accept(fd, nullptr, nullptr);
    if (conn >= 0)
      on_connection(conn);
  }
}

} // namespace gh::test
