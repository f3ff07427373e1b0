#include "config/upstreams.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace gh::config {

namespace {

bool is_name(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

/// A path prefix: `/` then segments of unreserved characters, no dot segment, no empty segment,
/// no trailing slash.
bool is_prefix(std::string_view p) {
  if (p.size() < 2 || p.size() > 200 || p.front() != '/' || p.back() == '/')
    return false;
  std::size_t start = 1;
  while (start <= p.size()) {
    auto end = p.find('/', start);
    if (end == std::string_view::npos)
      end = p.size();
    const auto segment = p.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..")
      return false;
    for (char c : segment)
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 &&
          std::string_view{"-._~"}.find(c) == std::string_view::npos)
        return false;
    start = end + 1;
  }
  return true;
}

/// True when one of the two prefixes covers the other (`/a` and `/a/b`, or equal).
bool overlaps(std::string_view a, std::string_view b) {
  if (a.size() > b.size())
    std::swap(a, b);
  return b == a || (b.starts_with(a) && b[a.size()] == '/');
}

void read_url(reader& in, const std::string& var, upstream_settings& u) {
  auto url = in.get(var);
  if (!url) {
    in.fail(var, "is required for upstream '" + u.name + "'");
    return;
  }
  auto parsed = boost::urls::parse_absolute_uri(*url);
  if (!parsed || parsed->scheme() != "http" || parsed->host().empty() || parsed->has_query() ||
      parsed->has_userinfo() || parsed->has_fragment()) {
    in.fail(var, "'" + *url + "' is not http://host[:port][/base] (internal services are " +
                     "reached over plain HTTP on the private network)");
    return;
  }
  u.url = *url;
  u.host = parsed->host();
  if (u.host.size() > 2 && u.host.front() == '[' && u.host.back() == ']')
    u.host = u.host.substr(1, u.host.size() - 2);
  if (parsed->has_port()) {
    if (parsed->port_number() == 0) {
      in.fail(var, "the port must be 1 to 65535");
      return;
    }
    u.port = parsed->port_number();
  }
  u.base_path = std::string{parsed->encoded_path()};
  while (!u.base_path.empty() && u.base_path.back() == '/')
    u.base_path.pop_back();
}

} // namespace

void read_upstreams(reader& in, std::vector<upstream_settings>& out) {
  auto names = in.get("GATEHOUSE_UPSTREAMS");
  if (!names)
    return;
  static constexpr std::size_t mib = std::size_t{1024} * 1024;
  for (auto& name : split_list(*names)) {
    if (!is_name(name)) {
      in.fail("GATEHOUSE_UPSTREAMS",
              "'" + name + "' is not an upstream name (up to 32 letters, digits or '_')");
      continue;
    }
    std::string upper;
    for (char c : name)
      upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (std::any_of(out.begin(), out.end(), [&](const upstream_settings& u) {
          return u.name.size() == upper.size() &&
                 std::equal(u.name.begin(), u.name.end(), upper.begin(), [](char a, char b) {
                   return std::toupper(static_cast<unsigned char>(a)) == b;
                 });
        })) {
      in.fail("GATEHOUSE_UPSTREAMS", "'" + name + "' is listed twice");
      continue;
    }
    const std::string var = "UPSTREAM_" + upper + "_";
    upstream_settings u;
    u.name = name;
    if (auto prefix = in.get(var + "PREFIX")) {
      if (!is_prefix(*prefix))
        in.fail(var + "PREFIX",
                "'" + *prefix + "' is not a path prefix (/segment/segment, no trailing slash)");
      else
        u.prefix = *prefix;
    } else {
      in.fail(var + "PREFIX", "is required for upstream '" + name + "'");
    }
    read_url(in, var + "URL", u);
    if (auto auth = in.get(var + "AUTH")) {
      if (*auth == "optional")
        u.auth = upstream_auth::optional;
      else if (*auth == "none")
        u.auth = upstream_auth::none;
      else if (*auth != "user")
        in.fail(var + "AUTH", "must be user, optional or none");
    }
    in.duration(var + "TIMEOUT", u.timeout, std::chrono::milliseconds{100},
                std::chrono::milliseconds{3600000});
    in.number<std::size_t>(var + "BODY_LIMIT", u.body_limit, 0, 64 * 1024 * mib);
    in.number<unsigned>(var + "RATE", u.rate, 0, 1000000);
    in.number<std::size_t>(var + "MAX_IDLE", u.max_idle, 0, 1024);
    if (auto inject = in.get(var + "INJECT_USER_ID")) {
      if (*inject == "true" || *inject == "1")
        u.inject_user_id = true;
      else if (*inject != "false" && *inject != "0")
        in.fail(var + "INJECT_USER_ID", "must be true or false");
    }
    if (u.inject_user_id && u.auth == upstream_auth::none)
      in.fail(var + "INJECT_USER_ID", "needs a user: set " + var + "AUTH to user or optional");
    for (const auto& other : out)
      if (!u.prefix.empty() && !other.prefix.empty() && overlaps(u.prefix, other.prefix))
        in.fail(var + "PREFIX", "'" + u.prefix + "' overlaps upstream '" + other.name +
                                    "''s prefix '" + other.prefix + "'");
    out.push_back(std::move(u));
  }
}

} // namespace gh::config
