#include "actors/payments/stripe_signature.hpp"

#include "crypto/crypto.hpp"

#include <algorithm>
#include <charconv>

namespace gh::stripe {

namespace {

constexpr std::size_t max_header_bytes = 8192;
constexpr std::size_t max_signatures = 16;

bool is_lower_hex(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

} // namespace

signature_check check_signature(std::string_view header, std::string_view payload,
                                const std::vector<std::string>& secrets, int64_t now,
                                int64_t tolerance_seconds) {
  if (header.empty())
    return signature_check::missing;
  if (header.size() > max_header_bytes)
    return signature_check::malformed;
  std::string_view timestamp;
  std::vector<std::string_view> v1;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return signature_check::malformed;
    const auto key = item.substr(0, eq);
    const auto value = item.substr(eq + 1);
    if (key == "t") {
      if (!timestamp.empty())
        return signature_check::malformed;
      timestamp = value;
    } else if (key == "v1") {
      if (value.size() != 64 || !is_lower_hex(value) || v1.size() >= max_signatures)
        return signature_check::malformed;
      v1.push_back(value);
    }
  }
  int64_t t = 0;
  const auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), t);
  if (timestamp.empty() || ec != std::errc{} || end != timestamp.data() + timestamp.size() ||
      t <= 0 || v1.empty())
    return signature_check::malformed;
  if (t < now - tolerance_seconds || t > now + tolerance_seconds)
    return signature_check::stale;
  std::string signed_payload;
  signed_payload.reserve(timestamp.size() + 1 + payload.size());
  signed_payload.append(timestamp).append(".").append(payload);
  bool matched = false;
  for (const auto& secret : secrets) {
    const auto expected = crypto::to_hex(crypto::hmac_sha256(secret, signed_payload));
    // Every candidate is compared, so the time taken says nothing about which one matched.
    for (auto candidate : v1)
      matched = crypto::constant_time_equal(expected, candidate) || matched;
  }
  return matched ? signature_check::valid : signature_check::mismatch;
}

std::string_view describe(signature_check check) noexcept {
  switch (check) {
  case signature_check::valid:
    return "valid";
  case signature_check::missing:
    return "the Stripe-Signature header is missing";
  case signature_check::malformed:
    return "the Stripe-Signature header is not t=<timestamp>,v1=<signature>";
  case signature_check::stale:
    return "the Stripe-Signature timestamp is outside the 300 s tolerance";
  case signature_check::mismatch:
    return "no v1 signature matches the payload";
  }
  return "invalid";
}

} // namespace gh::stripe
