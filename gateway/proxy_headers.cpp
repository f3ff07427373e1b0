#include "gateway/proxy_headers.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace gh {

namespace http = boost::beast::http;

namespace {

bool same_name(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool name_starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && same_name(s.substr(0, prefix.size()), prefix);
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// Calls `fn` with each non-empty item of a comma list.
template <class Fn>
void each_list_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim_ows(list.substr(0, comma));
    if (!item.empty())
      fn(item);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
}

/// The names `Connection` lists in `fields`, lower case.
std::vector<std::string> connection_options(const http::fields& fields) {
  std::vector<std::string> out;
  const auto range = fields.equal_range(http::field::connection);
  for (auto it = range.first; it != range.second; ++it)
    each_list_item(it->value(), [&](std::string_view token) {
      if (out.size() < 64)
        out.emplace_back(token);
    });
  return out;
}

bool is_listed(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return same_name(n, name); });
}

/// Fields a client may not pass to an upstream, besides hop-by-hop ones.
bool is_client_only(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 8> names{
      "authorization", "proxy-authorization", "x-csrf-token", "expect",
      "forwarded",     "x-request-id",        "host",         "cookie"};
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view n) { return same_name(n, name); }) ||
         name_starts_with(name, "x-forwarded-") || name_starts_with(name, "x-gatehouse-");
}

/// `value` kept to the characters a `Forwarded` quoted-string may carry without escaping.
std::string quotable_text(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f && c != '"' &&
        c != '\\')
      out.push_back(c);
  return out;
}

/// True when `s` is an RFC 9110 token (a cookie or field name).
bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
  });
}

} // namespace

bool is_hop_by_hop(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 9> names{
      "connection", "proxy-connection", "keep-alive",        "te", "transfer-encoding", "upgrade",
      "trailer",    "trailers",         "proxy-authenticate"};
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view n) { return same_name(n, name); });
}

std::string strip_session_cookies(std::string_view header, const cookie_names& names) {
  const std::array<std::string_view, 6> drop{names.access, names.refresh, names.csrf,
                                             "gh_access",  "gh_refresh",  "gh_csrf"};
  std::string out;
  std::string_view rest = header;
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    const auto pair = trim_ows(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    if (pair.empty())
      continue;
    const auto name = trim_ows(pair.substr(0, pair.find('=')));
    // Ours go, and so does any pair whose name is no token (RFC 6265 §4.2.1): a lenient parser
    // upstream could find one of ours inside it.
    auto bare = name;
    if (bare.starts_with("__Host-"))
      bare.remove_prefix(7);
    if (!is_token(name) || std::find(drop.begin(), drop.end(), bare) != drop.end() ||
        std::find(drop.begin(), drop.end(), name) != drop.end())
      continue;
    if (!out.empty())
      out.append("; ");
    out.append(pair);
  }
  return out;
}

void build_upstream_fields(const http::fields& in, const forward_facts& facts,
                           const forward_identity& who, http::fields& out) {
  const auto options = connection_options(in);
  std::string cookies;
  for (const auto& field : in) {
    const auto name = field.name_string();
    if (field.name() == http::field::cookie) {
      if (facts.cookies != nullptr) {
        auto kept = strip_session_cookies(field.value(), *facts.cookies);
        if (!kept.empty())
          cookies.append(cookies.empty() ? "" : "; ").append(kept);
      }
      continue;
    }
    if (is_hop_by_hop(name) || is_client_only(name) || is_listed(options, name) ||
        field.name() == http::field::content_length)
      continue;
    out.insert(name, field.value());
  }
  out.set(http::field::host, facts.upstream_host);
  if (!cookies.empty())
    out.set(http::field::cookie, cookies);
  if (!who.user_id.empty()) {
    out.set("X-Gatehouse-User-Id", who.user_id);
    out.set("X-Gatehouse-Tenant-Id", who.tenant_id);
    if (!who.identity_token.empty())
      out.set("X-Gatehouse-Identity", who.identity_token);
  }
  out.set("X-Request-Id", facts.request_id);
  // RFC 7239: an IPv6 address is quoted in brackets; what the client called us is its Host.
  const auto host = in.find(http::field::host);
  const std::string client_host = host == in.end() ? std::string{} : quotable_text(host->value());
  const std::string ip = quotable_text(facts.remote_ip);
  std::string forwarded = ip.find(':') != std::string::npos ? "for=\"[" + ip + "]\"" : "for=" + ip;
  if (!client_host.empty())
    forwarded.append(";host=\"").append(client_host).append("\"");
  forwarded.append(";proto=").append(facts.proto);
  out.set(http::field::forwarded, forwarded);
  out.set("X-Forwarded-For", ip);
  out.set("X-Forwarded-Proto", facts.proto);
  if (!client_host.empty())
    out.set("X-Forwarded-Host", client_host);
}

void filter_response_fields(http::fields& fields) {
  for (const auto& name : connection_options(fields))
    if (!same_name(name, "close") && !same_name(name, "keep-alive"))
      fields.erase(name);
  for (auto it = fields.begin(); it != fields.end();) {
    if (is_hop_by_hop(it->name_string()) || it->name() == http::field::content_length)
      it = fields.erase(it);
    else
      ++it;
  }
}

} // namespace gh
