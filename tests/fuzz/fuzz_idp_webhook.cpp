// Identity providers' webhooks arrive from anyone who can reach /webhooks/idp/{provider}: the
// Standard Webhooks and FusionAuth signature checks and the event decoders never crash, "valid"
// always comes with the real MAC, and every decoded event survives the IDP stream's round trip.
// Input: a mode digit ('0' to '5'), then newline-separated parts:
//   0 webhook-id, webhook-timestamp, webhook-signature, body  (Standard Webhooks verify)
//   1 webhook-signature                                        (its header parser)
//   2 webhook-id, body                                         (Standard Webhooks event)
//   3 body                                                     (FusionAuth event)
//   4 X-FusionAuth-Signature-JWT, body                         (FusionAuth signature)
//   5 text                                                     (the IDP stream's data)
#include "actors/federation/fusionauth_signature.hpp"
#include "actors/federation/idp_event.hpp"
#include "crypto/crypto.hpp"
#include "crypto/standard_webhooks.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace {

constexpr int64_t fuzz_now = 1614265330;
constexpr std::string_view fuzz_whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view fuzz_fusionauth_key = "fuzz-fusionauth-secret";

// The next newline-separated part of `rest` (all of it when there is no newline).
std::string_view next_part(std::string_view& rest) {
  const auto newline = rest.find('\n');
  const auto part = rest.substr(0, newline);
  rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
  return part;
}

void check_round_trip(const gh::federation::idp_event& event) {
  const auto back = gh::federation::decode_idp_event(gh::federation::encode_idp_event(event));
  const auto* same = std::get_if<gh::federation::idp_event>(&back);
  if (same == nullptr || !(*same == event))
    std::abort();
}

void check_decoded(const gh::federation::idp_decode_result& result) {
  if (const auto* event = std::get_if<gh::federation::idp_event>(&result))
    check_round_trip(*event);
  else if (const auto* error = std::get_if<gh::federation::idp_event_error>(&result);
           error != nullptr && error->detail.empty())
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  namespace sw = gh::standard_webhooks;
  const auto mode = data[0] % 6;
  std::string_view rest{reinterpret_cast<const char*>(data) + 1, size - 1};
  switch (mode) {
  case 0: {
    const auto id = next_part(rest);
    const auto timestamp = next_part(rest);
    const auto header = next_part(rest);
    const auto key = *sw::secret_key(fuzz_whsec);
    const auto result = sw::verify(key, id, timestamp, header, rest, fuzz_now);
    if (result == sw::verify_result::valid) {
      // Valid means one v1 entry is the HMAC of exactly what was received.
      std::string content{id};
      content.append(".").append(timestamp).append(".").append(rest);
      const auto expected = gh::crypto::hmac_sha256(key, content);
      const auto candidates = sw::parse_signature_header(header);
      if (!candidates ||
          std::find(candidates->begin(), candidates->end(), expected) == candidates->end())
        std::abort();
    }
    (void)sw::describe(result);
    break;
  }
  case 1: {
    const auto parsed = sw::parse_signature_header(rest);
    if (parsed && parsed->size() > sw::max_signatures)
      std::abort();
    break;
  }
  case 2: {
    const auto id = next_part(rest);
    check_decoded(gh::federation::decode_standard_webhook_event(id, rest));
    break;
  }
  case 3:
    check_decoded(gh::federation::decode_fusionauth_event(rest));
    break;
  case 4: {
    const auto jwt = next_part(rest);
    const auto check =
        gh::federation::check_fusionauth_signature(jwt, rest, fuzz_fusionauth_key, fuzz_now);
    (void)gh::federation::describe(check);
    break;
  }
  default: {
    const auto decoded = gh::federation::decode_idp_event(rest);
    if (const auto* event = std::get_if<gh::federation::idp_event>(&decoded))
      check_round_trip(*event);
    break;
  }
  }
  return 0;
}
