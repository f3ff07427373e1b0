#include "providers/loopback.hpp"

#include <boost/asio/ip/address.hpp>

#include <string>

namespace gh {

bool is_loopback_host(std::string_view host) {
  if (host == "localhost")
    return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string{host}, ec);
  return !ec && address.is_loopback();
}

} // namespace gh
