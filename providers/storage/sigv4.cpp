#include "providers/storage/sigv4.hpp"

#include "crypto/crypto.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace gh::storage::sigv4 {

namespace {

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// A header value as SigV4 canonicalises it: outer spaces trimmed, inner runs made one space.
std::string trimmed(std::string_view value) {
  std::string out;
  bool space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space)
      out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> sorted_headers(const request& r) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(r.headers.size());
  for (const auto& [name, value] : r.headers)
    out.emplace_back(lower(name), trimmed(value));
  std::sort(out.begin(), out.end());
  return out;
}

std::string scope(const credentials& c, std::string_view date) {
  return std::string{date.substr(0, 8)} + "/" + c.region + "/" + c.service + "/aws4_request";
}

std::string signing_key(const credentials& c, std::string_view date) {
  auto k = crypto::hmac_sha256("AWS4" + c.secret_access_key, date.substr(0, 8));
  k = crypto::hmac_sha256(k, c.region);
  k = crypto::hmac_sha256(k, c.service);
  return crypto::hmac_sha256(k, "aws4_request");
}

} // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0f]);
    }
  }
  return out;
}

std::string amz_date(int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[20];
  const auto n = std::strftime(out, sizeof out, "%Y%m%dT%H%M%SZ", &tm);
  return std::string{out, n};
}

std::string signed_headers(const request& r) {
  std::string out;
  for (const auto& [name, value] : sorted_headers(r))
    out += (out.empty() ? "" : ";") + name;
  return out;
}

std::string canonical_request(const request& r) {
  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(r.query.size());
  for (const auto& [name, value] : r.query)
    query.emplace_back(uri_encode(name), uri_encode(value));
  std::sort(query.begin(), query.end());
  std::string out = r.method + "\n" + (r.path.empty() ? "/" : r.path) + "\n";
  for (std::size_t i = 0; i < query.size(); ++i) {
    out += i == 0 ? "" : "&";
    out += query[i].first;
    out += '=';
    out += query[i].second;
  }
  out += '\n';
  for (const auto& [name, value] : sorted_headers(r)) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '\n';
  out += signed_headers(r);
  out += '\n';
  out += r.payload_hash;
  return out;
}

std::string signature(const request& r, const credentials& c, std::string_view date) {
  const auto to_sign = "AWS4-HMAC-SHA256\n" + std::string{date} + "\n" + scope(c, date) + "\n" +
                       crypto::sha256_hex(canonical_request(r));
  return crypto::to_hex(crypto::hmac_sha256(signing_key(c, date), to_sign));
}

std::string presign_query(request r, const credentials& c, std::string_view date,
                          int64_t expires_seconds) {
  r.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  r.query.emplace_back("X-Amz-Credential", c.access_key_id + "/" + scope(c, date));
  r.query.emplace_back("X-Amz-Date", std::string{date});
  r.query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  r.query.emplace_back("X-Amz-SignedHeaders", signed_headers(r));
  const auto sig = signature(r, c, date);
  std::string out;
  for (const auto& [name, value] : r.query)
    out += (out.empty() ? "" : "&") + uri_encode(name) + "=" + uri_encode(value);
  return out + "&X-Amz-Signature=" + sig;
}

std::string authorization(const request& r, const credentials& c, std::string_view date) {
  return "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" + scope(c, date) +
         ", SignedHeaders=" + signed_headers(r) + ", Signature=" + signature(r, c, date);
}

} // namespace gh::storage::sigv4
