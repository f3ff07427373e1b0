// The admin API's decoders see raw request bodies and query strings: any bytes give a decoded
// request or field errors, never a crash; what they accept keeps the promises the admin actor
// relies on (known, sorted, unique scopes; bounded, well-formed names; cursors that round-trip).
#include "actors/admin/requests.hpp"
#include "tests/fuzz/check.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

using gh::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace admin = gh::admin;
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  auto key = admin::decode_new_key(text);
  if (auto* k = std::get_if<admin::new_key_request>(&key)) {
    check(!k->name.empty() && k->name.size() <= 800 && admin::is_valid_utf8(k->name));
    check(!k->scopes.empty() && std::is_sorted(k->scopes.begin(), k->scopes.end()));
    check(std::adjacent_find(k->scopes.begin(), k->scopes.end()) == k->scopes.end());
    for (const auto& s : k->scopes)
      check(admin::is_known_scope(s));
  }

  auto users = admin::decode_user_query(text);
  if (auto* q = std::get_if<admin::user_query>(&users)) {
    check(q->limit >= 1 && q->limit <= admin::max_limit);
    check(admin::is_valid_utf8(q->search));
    if (q->after) {
      auto again = admin::decode_user_cursor(admin::encode_user_cursor(*q->after));
      check(again && again->created_us == q->after->created_us && again->id == q->after->id);
    }
  }
  auto audit = admin::decode_audit_query(text);
  if (auto* q = std::get_if<admin::audit_query>(&audit)) {
    check(q->limit >= 1 && q->limit <= admin::max_limit);
    if (q->before)
      check(*q->before > 0 &&
            admin::decode_audit_cursor(admin::encode_audit_cursor(*q->before)) == q->before);
  }

  (void)admin::decode_user_cursor(text);
  (void)admin::decode_audit_cursor(text);
  (void)admin::form_decode(text);
  const auto pattern = admin::like_pattern(text);
  check(pattern.size() >= text.size() + 2 && pattern.front() == '%' && pattern.back() == '%');
  return 0;
}
