// Stripe-Signature headers arrive from anyone who can reach /webhooks/stripe: checking one never
// crashes, whatever the header and body, and only a header carrying the real HMAC is valid.
// Input: the header, a newline, the body.
#include "actors/payments/stripe_signature.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  const auto newline = input.find('\n');
  const auto header = input.substr(0, newline);
  const auto body =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  const std::vector<std::string> secrets{"whsec_test_secret", "whsec_rotated"};
  const auto check = gh::stripe::check_signature(header, body, secrets, 1700000000);
  // A forged header cannot name a signature the fuzzer does not know; the two seeded ones are
  // real, so "valid" must come with one of them.
  if (check == gh::stripe::signature_check::valid &&
      header.find("0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd") ==
          std::string_view::npos &&
      header.find("443d952004499c253336135326bfaef55fed4b9099dfbcff6d4aec5017c5185d") ==
          std::string_view::npos)
    std::abort();
  (void)gh::stripe::describe(check);
  return 0;
}
