#include "actors/federation/login_state.hpp"

#include "crypto/crypto.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace gh::federation {

namespace json = boost::json;

namespace {

bool has_controls(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

/// A path of our own origin: one leading `/`, never `//` or `/\` (which browsers read as
/// another host), no controls or spaces.
bool is_own_path(std::string_view p) {
  return !p.empty() && p.front() == '/' && (p.size() == 1 || (p[1] != '/' && p[1] != '\\')) &&
         p.find('\\') == std::string_view::npos;
}

} // namespace

std::variant<login_query, decode::field_errors>
decode_login_query(std::string_view query, const std::vector<std::string>& allowed_origins) {
  decode::field_errors errors;
  auto params = decode::query_params(query, {"redirect", "link"}, errors);
  login_query out;
  if (auto it = params.find("link"); it != params.end()) {
    if (it->second == "true")
      out.link = true;
    else if (it->second != "false")
      errors.push_back({"link", "must be true or false"});
  }
  if (auto it = params.find("redirect"); it != params.end()) {
    const auto& r = it->second;
    if (r.size() > 2048 || r.empty() || has_controls(r)) {
      errors.push_back({"redirect", "must be a path or an http(s) URL of at most 2048 bytes"});
    } else if (is_own_path(r)) {
      out.redirect = r;
    } else {
      const auto origin = decode::origin_of(r);
      if (!origin || std::find(allowed_origins.begin(), allowed_origins.end(), *origin) ==
                         allowed_origins.end())
        errors.push_back({"redirect", "must be a path of this service or a URL of an origin "
                                      "listed in GATEHOUSE_ALLOWED_REDIRECTS"});
      else
        out.redirect = r;
    }
  }
  if (!errors.empty())
    return errors;
  return out;
}

std::variant<callback_query, decode::field_errors> decode_callback_query(std::string_view query) {
  decode::field_errors errors;
  auto params = decode::query_params(
      query, {"code", "state", "error", "error_description", "error_uri", "iss", "session_state"},
      errors);
  callback_query out;
  const auto take = [&](const char* name, std::string& into, std::size_t max) {
    if (auto it = params.find(name); it != params.end()) {
      if (it->second.size() > max || has_controls(it->second))
        errors.push_back({name, "is malformed"});
      else
        into = it->second;
    }
  };
  take("code", out.code, 2048);
  take("state", out.state, 256);
  take("error", out.error, 256);
  if (params.contains("iss")) {
    std::string iss;
    take("iss", iss, 2048);
    out.iss = iss;
  }
  if (out.state.empty() && !errors.empty())
    return errors;
  if (out.state.empty())
    errors.push_back({"state", "is required"});
  if (out.code.empty() && out.error.empty())
    errors.push_back({"code", "is required"});
  if (!errors.empty())
    return errors;
  return out;
}

std::string encode_record(const login_record& r) {
  json::object o;
  o["provider"] = r.provider;
  o["nonce"] = r.nonce;
  o["verifier"] = r.code_verifier;
  o["redirect"] = r.redirect;
  o["binding"] = r.binding_hash;
  if (!r.link_user.empty()) {
    o["link_user"] = r.link_user;
    o["link_tenant"] = r.link_tenant;
  }
  return json::serialize(o);
}

std::optional<login_record> decode_record(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  const auto& o = v.get_object();
  const auto str = [&o](std::string_view key) -> std::optional<std::string> {
    const auto* x = o.if_contains(key);
    if (x == nullptr || !x->is_string())
      return std::nullopt;
    return std::string{x->get_string()};
  };
  login_record r;
  auto provider = str("provider");
  auto nonce = str("nonce");
  auto verifier = str("verifier");
  auto redirect = str("redirect");
  auto binding = str("binding");
  if (!provider || !nonce || !verifier || !redirect || !binding)
    return std::nullopt;
  r.provider = std::move(*provider);
  r.nonce = std::move(*nonce);
  r.code_verifier = std::move(*verifier);
  r.redirect = std::move(*redirect);
  r.binding_hash = std::move(*binding);
  r.link_user = str("link_user").value_or("");
  r.link_tenant = str("link_tenant").value_or("");
  return r;
}

std::string record_key(std::string_view state) {
  return "gh:oidc:state:" + crypto::sha256_hex(state);
}

} // namespace gh::federation
