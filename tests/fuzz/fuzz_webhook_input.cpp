// What operators send the webhook API (URLs, event patterns, bodies, list queries) and event
// types from the streams: decoding never crashes, and whatever a URL decodes to, an address it
// names that is private or loopback is never accepted in production.
// Input: the first byte picks the decoder, the rest is its text.
#include "actors/webhooks/event_patterns.hpp"
#include "actors/webhooks/requests.hpp"
#include "actors/webhooks/webhook_url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  using namespace gh::webhooks;
  const std::string_view text{reinterpret_cast<const char*>(data) + 1, size - 1};
  const url_policy production{false, false};
  switch (data[0] % 5) {
  case 0: {
    auto parsed = parse_endpoint_url(text, production);
    if (auto* url = std::get_if<endpoint_url>(&parsed)) {
      if (!url->tls || url->host.empty() || url->target.empty() || url->target[0] != '/')
        std::abort();
      if (url->ip_literal) {
        const auto kind = classify(url->host);
        const auto checked = check_addresses(*url, {url->host}, production);
        if (!kind || (*kind != address_kind::global && checked.problem.empty()))
          std::abort();
      }
    }
    break;
  }
  case 1: {
    const auto problem = pattern_problem(text);
    if (!problem && !deliverable(text) && text != "*")
      std::abort();
    (void)matches(text, "payment.completed");
    break;
  }
  case 2:
    (void)decode_new_endpoint(text, production);
    (void)decode_endpoint_patch(text, url_policy{true, false});
    break;
  case 3:
    (void)decode_delivery_list(text);
    (void)decode_endpoint_list(text);
    break;
  default:
    (void)classify(text);
    break;
  }
  return 0;
}
