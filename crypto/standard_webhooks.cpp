#include "crypto/standard_webhooks.hpp"

#include "crypto/crypto.hpp"

#include <algorithm>
#include <charconv>

namespace gh::standard_webhooks {

namespace {

constexpr std::string_view whsec_prefix = "whsec_";

// Twelve digits reach the year 33658 and keep every sum below with the tolerance far from
// overflowing.
constexpr std::size_t max_timestamp_digits = 12;
constexpr int64_t max_tolerance_seconds = 1'000'000'000'000;

bool is_printable_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::optional<int64_t> parse_timestamp(std::string_view text) noexcept {
  if (text.empty() || text.size() > max_timestamp_digits)
    return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int64_t t = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), t);
  if (ec != std::errc{} || end != text.data() + text.size() || t <= 0)
    return std::nullopt;
  return t;
}

std::string signed_content(std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return content;
}

} // namespace

std::string new_secret() {
  return std::string{whsec_prefix} + crypto::base64_encode(crypto::random_bytes(24));
}

std::optional<std::string> secret_key(std::string_view secret) {
  if (!secret.starts_with(whsec_prefix))
    return std::nullopt;
  auto key = crypto::base64_decode(secret.substr(whsec_prefix.size()));
  if (!key || key->size() < 16 || key->size() > 64)
    return std::nullopt;
  return key;
}

std::string sign(std::string_view key, std::string_view id, int64_t timestamp,
                 std::string_view body) {
  const auto content = signed_content(id, std::to_string(timestamp), body);
  return "v1," + crypto::base64_encode(crypto::hmac_sha256(key, content));
}

std::string signature_header(const std::vector<std::string>& keys, std::string_view id,
                             int64_t timestamp, std::string_view body) {
  std::string out;
  for (const auto& key : keys) {
    if (!out.empty())
      out += ' ';
    out += sign(key, id, timestamp, body);
  }
  return out;
}

std::optional<std::vector<std::string>> parse_signature_header(std::string_view header) {
  if (header.size() > max_signature_header_bytes)
    return std::nullopt;
  std::vector<std::string> v1;
  std::size_t entries = 0;
  while (!header.empty()) {
    const auto space = header.find(' ');
    const auto entry = header.substr(0, space);
    header = space == std::string_view::npos ? std::string_view{} : header.substr(space + 1);
    if (entry.empty())
      continue; // several spaces in a row separate as one
    if (++entries > max_signatures)
      return std::nullopt;
    const auto comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1")
      continue;
    if (auto bytes = crypto::base64_decode(entry.substr(comma + 1)); bytes && !bytes->empty())
      v1.push_back(std::move(*bytes));
  }
  return v1;
}

verify_result verify(std::string_view key, std::string_view id, std::string_view timestamp,
                     std::string_view signature_header, std::string_view body, int64_t now,
                     std::chrono::seconds tolerance) {
  if (id.empty())
    return verify_result::missing_id;
  if (timestamp.empty())
    return verify_result::missing_timestamp;
  if (signature_header.empty())
    return verify_result::missing_signature;
  if (id.size() > max_id_bytes || !is_printable_ascii(id))
    return verify_result::bad_id;
  const auto t = parse_timestamp(timestamp);
  if (!t)
    return verify_result::bad_timestamp;
  // t is at most 12 digits and the tolerance is clamped, so neither sum can overflow.
  const auto tol = std::clamp<int64_t>(tolerance.count(), 0, max_tolerance_seconds);
  if (*t + tol < now)
    return verify_result::stale_timestamp;
  if (*t - tol > now)
    return verify_result::future_timestamp;
  const auto candidates = parse_signature_header(signature_header);
  if (!candidates)
    return verify_result::malformed_signature;
  if (key.empty())
    return verify_result::no_matching_signature;
  const auto expected = crypto::hmac_sha256(key, signed_content(id, timestamp, body));
  bool matched = false;
  // Every candidate is compared, so the time taken says nothing about which one matched.
  for (const auto& candidate : *candidates)
    matched = crypto::constant_time_equal(expected, candidate) || matched;
  return matched ? verify_result::valid : verify_result::no_matching_signature;
}

std::string_view describe(verify_result result) noexcept {
  switch (result) {
  case verify_result::valid:
    return "valid";
  case verify_result::missing_id:
    return "the webhook-id header is missing";
  case verify_result::missing_timestamp:
    return "the webhook-timestamp header is missing";
  case verify_result::missing_signature:
    return "the webhook-signature header is missing";
  case verify_result::bad_id:
    return "the webhook-id header is longer than 255 characters or not printable ASCII";
  case verify_result::bad_timestamp:
    return "the webhook-timestamp header is not a number of seconds since the Unix epoch";
  case verify_result::stale_timestamp:
    return "the webhook-timestamp is too old";
  case verify_result::future_timestamp:
    return "the webhook-timestamp is too far in the future";
  case verify_result::malformed_signature:
    return "the webhook-signature header is too long or has too many signatures";
  case verify_result::no_matching_signature:
    return "no v1 signature in webhook-signature matches the message";
  }
  return "invalid";
}

} // namespace gh::standard_webhooks
