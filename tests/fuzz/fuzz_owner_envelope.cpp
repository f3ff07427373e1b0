// What another instance sends over the owner link (`gatehouse.owner.<id>`, `gatehouse.push`:
// anyone who may publish there): any bytes decode to an envelope or an answer that encodes back to
// the same one, or to a refusal, never a crash.
#include "messages/owner_envelope.hpp"
#include "tests/fuzz/check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using gh::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  if (auto e = gh::decode_envelope(text)) {
    check(!e->first.kind.empty() && !e->first.user_id.empty());
    auto again = gh::decode_envelope(gh::encode_envelope(e->first, e->second));
    check(again && again->first == e->first && again->second == e->second);
  }

  if (auto a = gh::decode_answer(text)) {
    const auto encoded = a->answer ? gh::encode_answer(*a->answer) : gh::encode_moved(a->moved);
    auto again = gh::decode_answer(encoded);
    check(again && again->answer == a->answer && again->moved == a->moved);
  }
  if (auto p = gh::decode_push(text)) {
    check(!p->origin.empty() && !p->user.empty());
    auto again = gh::decode_push(gh::encode_push(*p));
    check(again && again->origin == p->origin && again->user == p->user &&
          again->frame == p->frame);
  }
  return 0;
}
