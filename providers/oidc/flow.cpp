#include "providers/oidc/flow.hpp"

#include "crypto/crypto.hpp"
#include "messages/json.hpp"

#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace gh::oidc {

namespace {

constexpr std::size_t max_token_response_bytes = std::size_t{64} * 1024;

void append_pair(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty())
    out.push_back('&');
  out += form_encode(name);
  out.push_back('=');
  out += form_encode(value);
}

/// A string member of the token answer, empty when absent or of another type.
std::string answer_string(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

} // namespace

std::string make_code_verifier() {
  return crypto::random_token(32);
}

std::string s256_challenge(std::string_view verifier) {
  return crypto::base64url_encode(crypto::sha256(verifier));
}

std::string form_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0f]);
    }
  }
  return out;
}

std::string authorization_url(const authorization_request& request) {
  const auto parsed = boost::urls::parse_uri(request.authorization_endpoint);
  if (!parsed)
    return {};
  boost::urls::url url{*parsed};
  url.remove_fragment();
  std::string query{url.has_query() ? url.encoded_query() : boost::urls::pct_string_view{}};
  append_pair(query, "response_type", "code");
  append_pair(query, "client_id", request.client_id);
  append_pair(query, "redirect_uri", request.redirect_uri);
  append_pair(query, "scope", request.scope);
  append_pair(query, "state", request.state);
  append_pair(query, "nonce", request.nonce);
  append_pair(query, "code_challenge", request.code_challenge);
  append_pair(query, "code_challenge_method", "S256");
  url.set_encoded_query(query);
  return std::string{url.buffer()};
}

std::string token_request_body(std::string_view code, std::string_view redirect_uri,
                               std::string_view code_verifier) {
  std::string out;
  append_pair(out, "grant_type", "authorization_code");
  append_pair(out, "code", code);
  append_pair(out, "redirect_uri", redirect_uri);
  append_pair(out, "code_verifier", code_verifier);
  return out;
}

std::string basic_authorization(std::string_view client_id, std::string_view client_secret) {
  return "Basic " +
         crypto::base64_encode(form_encode(client_id) + ":" + form_encode(client_secret));
}

std::variant<token_response, token_error> decode_token_response(int status, std::string_view body) {
  token_error failed{"invalid_response", {}, status};
  if (body.size() > max_token_response_bytes)
    return failed;
  auto parsed = parse_untrusted_json(body, {max_token_response_bytes, 16});
  const auto* value = std::get_if<boost::json::value>(&parsed);
  const auto* obj = value != nullptr ? value->if_object() : nullptr;
  if (status != 200) {
    if (obj != nullptr && !answer_string(*obj, "error").empty()) {
      failed.error = answer_string(*obj, "error");
      failed.description = answer_string(*obj, "error_description");
    }
    return failed;
  }
  if (obj == nullptr)
    return failed;
  token_response out;
  out.id_token = answer_string(*obj, "id_token");
  out.access_token = answer_string(*obj, "access_token");
  out.token_type = answer_string(*obj, "token_type");
  out.refresh_token = answer_string(*obj, "refresh_token");
  if (const auto* v = obj->if_contains("expires_in"); v != nullptr && v->is_int64())
    out.expires_in = v->get_int64();
  if (out.access_token.empty() || out.id_token.empty() ||
      !equals_ignoring_case(out.token_type, "Bearer"))
    return failed;
  return out;
}

} // namespace gh::oidc
