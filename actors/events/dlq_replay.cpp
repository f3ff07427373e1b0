#include "actors/events/dlq_replay.hpp"

#include "actors/events/dead_letters.hpp"
#include "actors/ops_requests.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace gh::events {

replay_report replay_dead_letters(jsCtx* js, std::optional<uint64_t> one, std::size_t limit) {
  replay_report report;
  std::vector<uint64_t> sequences;
  if (one) {
    sequences.push_back(*one);
  } else {
    for (const auto& e : list_dead_letters(js, limit + 1))
      sequences.push_back(e.sequence);
    if (sequences.size() > limit) {
      sequences.resize(limit);
      report.more = true;
    }
  }
  for (auto seq : sequences)
    switch (replay_dead_letter(js, seq)) {
    case replay_outcome::replayed:
      report.replayed.push_back(seq);
      break;
    case replay_outcome::not_found:
      report.not_found.push_back(seq);
      break;
    case replay_outcome::failed:
      report.failed.push_back(seq);
      break;
    }
  return report;
}

nats::endpoint_reply dlq_replay_verb(natsConnection* nc, std::string_view body) {
  auto decoded = ops_requests::decode_dlq_replay(body);
  if (auto* refused = std::get_if<ops_requests::refusal>(&decoded))
    return ops_requests::error_reply(*refused);
  const auto& request = std::get<ops_requests::dlq_replay_request>(decoded);
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, nc, nullptr) != NATS_OK)
    return ops_requests::error_reply({503, "JetStream is not available", {}});
  const auto report = replay_dead_letters(
      js, request.all ? std::nullopt : std::optional<uint64_t>{request.id}, request.limit);
  jsCtx_Destroy(js);
  if (!request.all && !report.not_found.empty())
    return ops_requests::error_reply(
        {404, "no dead letter " + std::to_string(request.id) + " (see `gatehouse dlq list`)", {}});
  if (!request.all && !report.failed.empty())
    return ops_requests::error_reply(
        {503, "JetStream did not take dead letter " + std::to_string(request.id) + " back", {}});
  const auto array_of = [](const std::vector<uint64_t>& v) {
    boost::json::array a;
    for (auto n : v)
      a.push_back(n);
    return a;
  };
  boost::json::object o{{"replayed", array_of(report.replayed)},
                        {"not_found", array_of(report.not_found)},
                        {"failed", array_of(report.failed)},
                        {"more", report.more}};
  return nats::endpoint_reply{boost::json::serialize(o), 0, {}};
}

} // namespace gh::events
