#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Where an endpoint's deliveries may go (API.md "Outbound webhooks"): the URL rules and the
/// address checks that keep webhooks from reaching Gatehouse's own network (SSRF). Plain
/// functions over untrusted text, driven by unit and fuzz tests.
namespace gh::webhooks {

/// At most this many characters per endpoint URL.
inline constexpr std::size_t max_url_chars = 2048;

/// What the process allows beyond public HTTPS endpoints.
struct url_policy {
  /// `GATEHOUSE_ENV=development`: loopback addresses are allowed, over plain `http` too.
  bool development = false;
  /// `WEBHOOKS_ALLOW_PRIVATE=true`: private, loopback, link-local and unique-local addresses
  /// (and reserved ranges) are allowed. Never the unspecified address or multicast.
  bool allow_private = false;
};

/// A URL that passed the syntax rules.
struct endpoint_url {
  bool tls = true;    ///< `https`
  std::string host;   ///< lower-case name or IP literal (IPv6 without brackets)
  std::string port;   ///< explicit, or 443 / 80
  std::string target; ///< path and query; `/` when the URL has no path
  bool ip_literal = false;
};

/// Checks `text` as an endpoint URL under `policy`: `https` (`http` only in development), no
/// user info or fragment, a port 1–65535, and a host that is a DNS name (letters, digits,
/// hyphens, labels of 1–63, at most 253 characters; never one whose last label is a number, as
/// `2130706433`, `0x7f.1` or `127.1` are) or a canonical IP literal (dotted-quad IPv4 without
/// leading zeros, bracketed IPv6). The parsed URL, or what is wrong with it.
std::variant<endpoint_url, std::string> parse_endpoint_url(std::string_view text,
                                                           const url_policy& policy);

/// The kind of range an address falls in.
enum class address_kind {
  global,       ///< routable on the Internet
  loopback,     ///< 127.0.0.0/8, ::1
  private_use,  ///< RFC 1918, 100.64.0.0/10, 198.18.0.0/15, fec0::/10, local NAT64
  link_local,   ///< 169.254.0.0/16, fe80::/10
  unique_local, ///< fc00::/7
  reserved,     ///< documentation, future use, Teredo, 6to4 relays, IETF assignments
  unspecified,  ///< 0.0.0.0/8, ::
  multicast,    ///< 224.0.0.0/4, ff00::/8, 255.255.255.255
};

/// The kind of the IPv4 address `ip` (host byte order).
address_kind classify_v4(uint32_t ip) noexcept;

/// The kind of the IPv6 address `ip`; IPv4-mapped, IPv4-compatible, NAT64 and 6to4 addresses
/// are classified by the IPv4 address they carry.
address_kind classify_v6(const std::array<uint8_t, 16>& ip) noexcept;

/// The kind of the IP literal `text` (IPv4 dotted quad or IPv6); empty when it is neither.
std::optional<address_kind> classify(std::string_view text);

/// Why `kind` may not be reached under `policy` (e.g. "a loopback address"), or nullopt.
std::optional<std::string> refused(address_kind kind, const url_policy& policy);

/// The addresses of a checked URL's host, every one of them allowed, or why not.
struct resolution {
  std::vector<std::string> addresses; ///< IP literals to connect to (no second lookup)
  std::string problem;                ///< empty when `addresses` may be used
};

/// Looks `url.host` up (an IP literal is its own address; blocking: call off the actors'
/// threads) and checks every address it has under `policy`; a plain `http` URL must resolve to
/// loopback only. Any address refused refuses the whole URL.
resolution resolve_checked(const endpoint_url& url, const url_policy& policy);

/// `resolve_checked` over the addresses `addresses` instead of a lookup: what the lookup's
/// answer is judged by.
resolution check_addresses(const endpoint_url& url, const std::vector<std::string>& addresses,
                           const url_policy& policy);

} // namespace gh::webhooks
