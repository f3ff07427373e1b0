#include "providers/oidc/discovery.hpp"

#include "messages/json.hpp"
#include "providers/loopback.hpp"

#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>

namespace gh::oidc {

namespace {

/// A string member: absent → nullopt, present but not a string → `bad` set.
std::optional<std::string> discovery_string(const boost::json::object& doc, std::string_view key,
                                            bool& bad) {
  const auto* v = doc.if_contains(key);
  if (v == nullptr || v->is_null())
    return std::nullopt;
  if (!v->is_string()) {
    bad = true;
    return std::nullopt;
  }
  return std::string{v->get_string()};
}

/// A list of strings: absent → empty; anything but an array of strings → false.
bool discovery_list(const boost::json::object& doc, std::string_view key,
                    std::vector<std::string>& out) {
  const auto* v = doc.if_contains(key);
  if (v == nullptr || v->is_null())
    return true;
  if (!v->is_array())
    return false;
  for (const auto& item : v->get_array()) {
    if (!item.is_string())
      return false;
    out.emplace_back(item.get_string());
  }
  return true;
}

} // namespace

bool is_allowed_endpoint(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || !parsed->has_authority() || parsed->has_userinfo() || parsed->has_fragment())
    return false;
  const auto host = parsed->encoded_host();
  if (host.empty())
    return false;
  if (parsed->scheme_id() == boost::urls::scheme::https)
    return true;
  return parsed->scheme_id() == boost::urls::scheme::http && is_loopback_host(host);
}

std::string discovery_url(std::string_view issuer) {
  while (!issuer.empty() && issuer.back() == '/')
    issuer.remove_suffix(1);
  return std::string{issuer} + "/.well-known/openid-configuration";
}

std::variant<provider_metadata, discovery_error>
decode_discovery(std::string_view body, std::string_view expected_issuer) {
  if (body.size() > max_document_bytes)
    return discovery_error{"discovery document too large"};
  auto parsed = parse_untrusted_json(body, {max_document_bytes, 32});
  if (std::holds_alternative<json_error>(parsed))
    return discovery_error{"discovery document is not valid JSON"};
  const auto& value = std::get<boost::json::value>(parsed);
  if (!value.is_object())
    return discovery_error{"discovery document is not a JSON object"};
  const auto& doc = value.get_object();

  provider_metadata out;
  bool bad = false;
  auto issuer = discovery_string(doc, "issuer", bad);
  auto authorization = discovery_string(doc, "authorization_endpoint", bad);
  auto token = discovery_string(doc, "token_endpoint", bad);
  auto jwks = discovery_string(doc, "jwks_uri", bad);
  out.userinfo_endpoint = discovery_string(doc, "userinfo_endpoint", bad);
  if (bad)
    return discovery_error{"discovery document has a member of the wrong type"};
  if (!issuer)
    return discovery_error{"discovery document lacks issuer"};
  if (*issuer != expected_issuer)
    return discovery_error{"discovery issuer does not match the configured issuer"};
  if (!is_allowed_endpoint(*issuer))
    return discovery_error{"discovery issuer is not an https URL"};
  if (!authorization || !token || !jwks)
    return discovery_error{"discovery document lacks a required endpoint"};
  for (const auto* url : {&*authorization, &*token, &*jwks})
    if (!is_allowed_endpoint(*url))
      return discovery_error{"discovery endpoint is not an https URL"};
  if (out.userinfo_endpoint && !is_allowed_endpoint(*out.userinfo_endpoint))
    return discovery_error{"discovery endpoint is not an https URL"};
  if (!discovery_list(doc, "id_token_signing_alg_values_supported",
                      out.id_token_signing_alg_values_supported) ||
      !discovery_list(doc, "code_challenge_methods_supported",
                      out.code_challenge_methods_supported) ||
      !discovery_list(doc, "token_endpoint_auth_methods_supported",
                      out.token_endpoint_auth_methods_supported))
    return discovery_error{"discovery document has a list of the wrong type"};
  out.issuer = std::move(*issuer);
  out.authorization_endpoint = std::move(*authorization);
  out.token_endpoint = std::move(*token);
  out.jwks_uri = std::move(*jwks);
  return out;
}

} // namespace gh::oidc
