#include "actors/webhooks/webhook_url.hpp"

#include <boost/url/parse.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace gh::webhooks {

namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f');
}

/// True when `label` reads as a number to some URL parser or `inet_aton`: decimal, octal
/// (leading 0) or hexadecimal (`0x`): a host ending in one is an IPv4 address in disguise.
bool numeric_label(std::string_view label) noexcept {
  if (label.empty())
    return false;
  if (label.starts_with("0x"))
    return std::all_of(label.begin() + 2, label.end(), is_hex);
  return std::all_of(label.begin(), label.end(), is_digit);
}

std::optional<std::string> name_problem(std::string_view host) {
  if (host.empty() || host.size() > 253)
    return "has no host name, or one longer than 253 characters";
  if (host.back() == '.')
    host.remove_suffix(1);
  std::string_view last;
  std::string_view rest = host;
  while (true) {
    const auto dot = rest.find('.');
    const auto label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return "has a host name with an empty label, one longer than 63 characters or one that "
             "starts or ends with '-'";
    for (const char c : label)
      if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '-'))
        return "has a host name with characters other than letters, digits, '-' and '.' "
               "(write international names in punycode)";
    last = label;
    if (dot == std::string_view::npos)
      break;
    rest.remove_prefix(dot + 1);
  }
  if (numeric_label(last))
    return "has a numeric host that is not a canonical IPv4 address (decimal, octal, hex and "
           "shortened forms are refused)";
  return std::nullopt;
}

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

uint32_t v4_at(const std::array<uint8_t, 16>& ip, std::size_t i) noexcept {
  return (uint32_t{ip[i]} << 24U) | (uint32_t{ip[i + 1]} << 16U) | (uint32_t{ip[i + 2]} << 8U) |
         uint32_t{ip[i + 3]};
}

} // namespace

std::variant<endpoint_url, std::string> parse_endpoint_url(std::string_view text,
                                                           const url_policy& policy) {
  if (text.empty() || text.size() > max_url_chars)
    return "must be an absolute URL of at most " + std::to_string(max_url_chars) + " characters";
  for (const char c : text)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return std::string{"must not hold spaces, control or non-ASCII characters"};
  const auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed || !parsed->has_authority())
    return std::string{"is not an absolute http(s) URL"};
  const auto& u = *parsed;
  endpoint_url out;
  const auto scheme = lower(u.scheme());
  if (scheme == "https") {
    out.tls = true;
  } else if (scheme == "http" && policy.development) {
    out.tls = false;
  } else {
    return std::string{policy.development ? "must be https (or http towards loopback)"
                                          : "must be https"};
  }
  if (u.has_userinfo())
    return std::string{"must not carry user information"};
  if (u.has_fragment())
    return std::string{"must not have a fragment"};
  switch (u.host_type()) {
  case boost::urls::host_type::ipv4:
    out.host = u.host_ipv4_address().to_string();
    // The authority must be exactly the address (and port): `8.8.8.8.` is not taken for it.
    if (out.host != u.encoded_host() ||
        (u.encoded_authority() != u.encoded_host() &&
         u.encoded_authority() != std::string{u.encoded_host()} + ":" + std::string{u.port()}))
      return std::string{"has an IPv4 address that is not in canonical form"};
    out.ip_literal = true;
    break;
  case boost::urls::host_type::ipv6:
    out.host = u.host_ipv6_address().to_string();
    out.ip_literal = true;
    break;
  case boost::urls::host_type::name: {
    const auto encoded = u.encoded_host();
    if (encoded.find('%') != boost::core::string_view::npos)
      return std::string{"has a percent-encoded host"};
    out.host = lower(encoded);
    if (auto problem = name_problem(out.host))
      return *problem;
    break;
  }
  default:
    return std::string{"has no usable host"};
  }
  if (u.has_port()) {
    const auto port = u.port();
    if (port.empty() || port.size() > 5 || u.port_number() == 0 ||
        std::to_string(u.port_number()) != port)
      return std::string{"has a port outside 1-65535"};
    out.port = port;
  } else {
    out.port = out.tls ? "443" : "80";
  }
  // RFC 3986: a path after an authority is empty or starts with '/' (`https://8.8.8.8./` is not
  // the host `8.8.8.8` with the path `./`).
  if (!u.encoded_path().empty() && !u.encoded_path().starts_with('/'))
    return std::string{"has a host followed by something that is neither a port nor a path"};
  out.target = u.encoded_path().empty() ? std::string{"/"} : std::string{u.encoded_path()};
  if (u.has_query())
    out.target += "?" + std::string{u.encoded_query()};
  return out;
}

address_kind classify_v4(uint32_t ip) noexcept {
  const auto in = [ip](uint32_t net, unsigned bits) {
    const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32U - bits);
    return (ip & mask) == net;
  };
  if (in(0x00000000, 8))
    return address_kind::unspecified;
  if (in(0x7f000000, 8))
    return address_kind::loopback;
  if (in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16) || in(0x64400000, 10) ||
      in(0xc6120000, 15))
    return address_kind::private_use;
  if (in(0xa9fe0000, 16))
    return address_kind::link_local;
  if (ip == 0xffffffff || in(0xe0000000, 4))
    return address_kind::multicast;
  if (in(0xf0000000, 4) || in(0xc0000000, 24) || in(0xc0000200, 24) || in(0xc6336400, 24) ||
      in(0xcb007100, 24) || in(0xc0586300, 24))
    return address_kind::reserved;
  return address_kind::global;
}

address_kind classify_v6(const std::array<uint8_t, 16>& ip) noexcept {
  const auto zero = [&ip](std::size_t from, std::size_t to) {
    return std::all_of(ip.begin() + static_cast<std::ptrdiff_t>(from),
                       ip.begin() + static_cast<std::ptrdiff_t>(to),
                       [](uint8_t b) { return b == 0; });
  };
  if (zero(0, 15)) {
    if (ip[15] == 0)
      return address_kind::unspecified;
    if (ip[15] == 1)
      return address_kind::loopback;
  }
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated) carry an IPv4 address.
  if (zero(0, 10) && ((ip[10] == 0xff && ip[11] == 0xff) || (ip[10] == 0 && ip[11] == 0)))
    return classify_v4(v4_at(ip, 12));
  // 64:ff9b::/96, the well-known NAT64 prefix, translates to the IPv4 address it carries.
  if (ip[0] == 0x00 && ip[1] == 0x64 && ip[2] == 0xff && ip[3] == 0x9b && zero(4, 12))
    return classify_v4(v4_at(ip, 12));
  if (ip[0] == 0x00 && ip[1] == 0x64 && ip[2] == 0xff && ip[3] == 0x9b && ip[4] == 0 && ip[5] == 1)
    return address_kind::private_use; // 64:ff9b:1::/48, local-use NAT64
  if (ip[0] == 0x20 && ip[1] == 0x02)
    return classify_v4(v4_at(ip, 2)) == address_kind::global ? address_kind::global
                                                             : address_kind::reserved; // 6to4
  if (ip[0] == 0xff)
    return address_kind::multicast;
  if ((ip[0] & 0xfeU) == 0xfc)
    return address_kind::unique_local;
  if (ip[0] == 0xfe && (ip[1] & 0xc0U) == 0x80)
    return address_kind::link_local;
  if (ip[0] == 0xfe && (ip[1] & 0xc0U) == 0xc0)
    return address_kind::private_use; // site-local, deprecated
  if ((ip[0] == 0x20 && ip[1] == 0x01 && ip[2] == 0x0d && ip[3] == 0xb8) || // documentation
      (ip[0] == 0x20 && ip[1] == 0x01 && ip[2] == 0 && ip[3] == 0) ||       // Teredo
      (ip[0] == 0x01 && ip[1] == 0 && zero(2, 8)))                          // discard
    return address_kind::reserved;
  return address_kind::global;
}

std::optional<address_kind> classify(std::string_view text) {
  const std::string s{text};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1)
    return classify_v4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::array<uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &v6, bytes.size());
    return classify_v6(bytes);
  }
  return std::nullopt;
}

std::optional<std::string> refused(address_kind kind, const url_policy& policy) {
  switch (kind) {
  case address_kind::global:
    return std::nullopt;
  case address_kind::unspecified:
    return "the unspecified address";
  case address_kind::multicast:
    return "a multicast or broadcast address";
  case address_kind::loopback:
    if (policy.development || policy.allow_private)
      return std::nullopt;
    return "a loopback address";
  case address_kind::private_use:
  case address_kind::link_local:
  case address_kind::unique_local:
  case address_kind::reserved:
    if (policy.allow_private)
      return std::nullopt;
    return kind == address_kind::private_use    ? "a private address"
           : kind == address_kind::link_local   ? "a link-local address"
           : kind == address_kind::unique_local ? "a unique-local address"
                                                : "a reserved address";
  }
  return "an address of no known kind";
}

resolution check_addresses(const endpoint_url& url, const std::vector<std::string>& addresses,
                           const url_policy& policy) {
  resolution out;
  if (addresses.empty()) {
    out.problem = "has a host with no address";
    return out;
  }
  for (const auto& a : addresses) {
    const auto kind = classify(a);
    if (!kind) {
      out.problem = "resolves to something that is not an IP address";
      return out;
    }
    if (auto why = refused(*kind, policy)) {
      out.problem = "resolves to " + *why + " (set WEBHOOKS_ALLOW_PRIVATE=true to allow it)";
      return out;
    }
    if (!url.tls && *kind != address_kind::loopback) {
      out.problem = "uses plain http towards an address that is not loopback";
      return out;
    }
  }
  out.addresses = addresses;
  return out;
}

resolution resolve_checked(const endpoint_url& url, const url_policy& policy) {
  if (url.ip_literal)
    return check_addresses(url, {url.host}, policy);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(url.host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    resolution out;
    out.problem = "has a host name that does not resolve";
    return out;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard{found, &freeaddrinfo};
  std::vector<std::string> addresses;
  for (const auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const void* where = nullptr;
    if (ai->ai_family == AF_INET)
      where = &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr;
    else if (ai->ai_family == AF_INET6)
      where = &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    else
      continue;
    if (inet_ntop(ai->ai_family, where, text.data(), text.size()) == nullptr)
      continue;
    std::string a{text.data()};
    if (std::find(addresses.begin(), addresses.end(), a) == addresses.end())
      addresses.push_back(std::move(a));
  }
  return check_addresses(url, addresses, policy);
}

} // namespace gh::webhooks
