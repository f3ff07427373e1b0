// The operators' NATS verbs decode bodies from whoever may publish on `gatehouse.ops.>`: any
// bytes give a request within its limits or a refusal whose error reply is one JSON object and
// whose description is fit for a header, never a crash.
#include "actors/ops_requests.hpp"
#include "tests/fuzz/check.hpp"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using gh::fuzz::check;

namespace {

void check_refusal(const gh::ops_requests::refusal& r) {
  check(r.code == 400 && !r.description.empty());
  const auto reply = gh::ops_requests::error_reply(r);
  check(reply.error_code == 400 && reply.error == r.description);
  boost::system::error_code ec;
  const auto doc = boost::json::parse(reply.body, ec);
  check(!ec && doc.is_object() && doc.as_object().contains("error"));
  for (char c : r.description)
    check(c != '\r' && c != '\n' && c != '\0');
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace ops = gh::ops_requests;
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  auto drain = ops::decode_drain(text);
  if (auto* d = std::get_if<ops::drain_request>(&drain))
    check(d->idle.count() >= 1 && d->idle.count() <= 3600);
  else
    check_refusal(std::get<ops::refusal>(drain));

  auto replay = ops::decode_dlq_replay(text);
  if (auto* r = std::get_if<ops::dlq_replay_request>(&replay))
    check(r->all ? r->id == 0 && r->limit >= 1 && r->limit <= 1000 : r->id >= 1);
  else
    check_refusal(std::get<ops::refusal>(replay));

  auto reconcile = ops::decode_reconcile(text);
  if (auto* r = std::get_if<ops::reconcile_request>(&reconcile))
    check(r->days >= 1 && r->days <= 30);
  else
    check_refusal(std::get<ops::refusal>(reconcile));
  return 0;
}
