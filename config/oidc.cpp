#include "config/oidc.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace gh::config {

namespace {

/// A provider name is a path segment of its routes: lower-case letters, digits, `-` and `_`.
bool is_provider_name(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::isalpha(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

std::string env_name(std::string_view name) {
  std::string upper;
  for (char c : name)
    upper.push_back(c == '-' ? '_'
                             : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return upper;
}

bool loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

void read_issuer(reader& in, const std::string& var, bool production, oidc_provider& p) {
  auto issuer = in.get(var);
  if (!issuer) {
    in.fail(var, "is required for OIDC provider '" + p.name + "'");
    return;
  }
  auto url = boost::urls::parse_absolute_uri(*issuer);
  if (!url || url->host().empty() || url->has_query() || url->has_fragment() ||
      url->has_userinfo() || (url->scheme() != "https" && url->scheme() != "http")) {
    in.fail(var, "'" + *issuer + "' is not an https:// issuer URL without query or fragment");
    return;
  }
  // Plain HTTP only to this machine (a development provider), and never in production.
  if (url->scheme() == "http" && (production || !loopback_host(url->encoded_host()))) {
    in.fail(var, "must be https:// (plain http only to a loopback provider in development)");
    return;
  }
  p.issuer = *issuer;
}

void read_bool(reader& in, const std::string& var, bool& out) {
  auto value = in.get(var);
  if (!value)
    return;
  if (*value == "true" || *value == "1")
    out = true;
  else if (*value == "false" || *value == "0")
    out = false;
  else
    in.fail(var, "must be true or false");
}

void read_accept(reader& in, const std::string& var, oidc_provider& p) {
  auto value = in.get(var);
  if (!value)
    return;
  for (const auto& item : split_list(*value)) {
    if (item == "access")
      p.accept_access_tokens = true;
    else if (item == "id")
      p.accept_id_tokens = true;
    else
      in.fail(var, "must list access and/or id, not '" + item + "'");
  }
}

} // namespace

void read_oidc_providers(reader& in, bool production, std::vector<oidc_provider>& out) {
  auto names = in.get("OIDC_PROVIDERS");
  if (!names)
    return;
  for (auto listed : split_list(*names)) {
    std::transform(listed.begin(), listed.end(), listed.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!is_provider_name(listed)) {
      in.fail("OIDC_PROVIDERS", "'" + listed +
                                    "' is not a provider name (a lower-case letter, then up to "
                                    "31 lower-case letters, digits, '-' or '_')");
      continue;
    }
    if (std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.name == listed; })) {
      in.fail("OIDC_PROVIDERS", "lists '" + listed + "' twice");
      continue;
    }
    const std::string prefix = "OIDC_" + env_name(listed) + "_";
    oidc_provider p;
    p.name = listed;
    read_issuer(in, prefix + "ISSUER", production, p);
    if (auto id = in.get(prefix + "CLIENT_ID"); id && !id->empty() && id->size() <= 255)
      p.client_id = *id;
    else
      in.fail(prefix + "CLIENT_ID", "is required for OIDC provider '" + listed + "'");
    if (auto client_secret = in.get_secret(prefix + "CLIENT_SECRET"))
      p.client_secret = std::move(*client_secret);
    if (auto scopes = in.get(prefix + "SCOPES")) {
      if (scopes->find("openid") == std::string::npos)
        in.fail(prefix + "SCOPES", "must include openid");
      else
        p.scopes = *scopes;
    }
    read_bool(in, prefix + "TRUST_EMAIL", p.trust_email);
    read_accept(in, prefix + "ACCEPT_TOKENS", p);
    if (auto secret = in.get_secret(prefix + "WEBHOOK_SECRET"))
      p.webhook_secret = std::move(*secret);
    out.push_back(std::move(p));
  }
}

} // namespace gh::config
