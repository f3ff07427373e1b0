#include "actors/events/dead_letters.hpp"

#include "actors/events/pull.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <string_view>

namespace gh::events {

namespace {

std::string header_of(natsMsg* msg, const char* name) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, name, &value) == NATS_OK && value != nullptr)
    return value;
  return {};
}

} // namespace

std::string redacted(std::string_view body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object())
    return std::string{body};
  auto* data = doc.as_object().if_contains("data");
  auto* vars =
      data != nullptr && data->is_object() ? data->as_object().if_contains("vars") : nullptr;
  if (vars == nullptr || !vars->is_object())
    return std::string{body};
  for (auto& [key, value] : vars->as_object())
    if (key.ends_with("_url"))
      value = "[redacted]";
  return boost::json::serialize(doc);
}

std::string header_safe(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= 300)
      break;
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

bool dead_letter(jsCtx* js, natsMsg* msg, const dead_letter_reason& why) {
  const std::string subject = "dlq." + why.consumer;
  natsMsg* raw = nullptr;
  if (natsMsg_Create(&raw, subject.c_str(), nullptr, natsMsg_GetData(msg),
                     natsMsg_GetDataLength(msg)) != NATS_OK)
    return false;
  owned_msg copy{raw};
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      // NATS's own headers (Nats-Msg-Id, Nats-Expected-*) would steer the DLQ publish itself.
      if (std::string_view{keys[i]}.starts_with("Nats-"))
        continue;
      const char** values = nullptr;
      int n = 0;
      if (natsMsgHeader_Values(msg, keys[i], &values, &n) == NATS_OK) {
        for (int j = 0; j < n; ++j)
          natsMsgHeader_Add(raw, keys[i], values[j]);
        free(static_cast<void*>(values));
      }
    }
    free(static_cast<void*>(keys));
  }
  const std::string original = header_safe(natsMsg_GetSubject(msg));
  const auto original_id = header_of(msg, "Nats-Msg-Id");
  if (!original_id.empty())
    natsMsgHeader_Set(raw, "Gatehouse-Original-Msg-Id", header_safe(original_id).c_str());
  natsMsgHeader_Set(raw, "Gatehouse-Original-Subject", original.c_str());
  natsMsgHeader_Set(raw, "Gatehouse-Consumer", why.consumer.c_str());
  natsMsgHeader_Set(raw, "Gatehouse-Deliveries", std::to_string(why.deliveries).c_str());
  natsMsgHeader_Set(raw, "Gatehouse-Error", header_safe(why.error).c_str());
  if (const auto meta = ack_subject_of(msg)) {
    natsMsgHeader_Set(raw, "Gatehouse-Stream-Sequence",
                      std::to_string(meta->stream_sequence).c_str());
    // One dead letter per consumer and message, however often it is buried.
    natsMsgHeader_Set(
        raw, "Nats-Msg-Id",
        (why.consumer + ":" + meta->stream + ":" + std::to_string(meta->stream_sequence)).c_str());
  }
  jsPubAck* ack = nullptr;
  const auto status = js_PublishMsg(&ack, js, raw, nullptr, nullptr);
  if (ack != nullptr)
    jsPubAck_Destroy(ack);
  return status == NATS_OK;
}

std::vector<dead_letter_entry> list_dead_letters(jsCtx* js, std::size_t limit) {
  std::vector<dead_letter_entry> out;
  jsStreamInfo* info = nullptr;
  if (js_GetStreamInfo(&info, js, dead_letter_stream, nullptr, nullptr) != NATS_OK)
    return out;
  const uint64_t first = info->State.FirstSeq;
  const uint64_t last = info->State.LastSeq;
  jsStreamInfo_Destroy(info);
  for (uint64_t seq = first; seq != 0 && seq <= last && out.size() < limit; ++seq) {
    natsMsg* raw = nullptr;
    if (js_GetMsg(&raw, js, dead_letter_stream, seq, nullptr, nullptr) != NATS_OK)
      continue; // deleted (replayed)
    owned_msg m{raw};
    out.push_back(
        {seq, header_of(raw, "Gatehouse-Original-Subject"), header_of(raw, "Gatehouse-Consumer"),
         header_of(raw, "Gatehouse-Deliveries"), header_of(raw, "Gatehouse-Error"),
         redacted({natsMsg_GetData(raw), static_cast<std::size_t>(natsMsg_GetDataLength(raw))})});
  }
  return out;
}

replay_outcome replay_dead_letter(jsCtx* js, uint64_t sequence) {
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const auto got = js_GetMsg(&raw, js, dead_letter_stream, sequence, nullptr, &code);
  if (got == NATS_NOT_FOUND || code == JSNoMessageFoundErr || code == JSStreamNotFoundErr)
    return replay_outcome::not_found;
  if (got != NATS_OK)
    return replay_outcome::failed;
  owned_msg dead{raw};
  const auto subject = header_of(raw, "Gatehouse-Original-Subject");
  if (subject.empty())
    return replay_outcome::failed;
  natsMsg* again = nullptr;
  if (natsMsg_Create(&again, subject.c_str(), nullptr, natsMsg_GetData(raw),
                     natsMsg_GetDataLength(raw)) != NATS_OK)
    return replay_outcome::failed;
  owned_msg replay{again};
  const auto id = header_of(raw, "Gatehouse-Original-Msg-Id");
  const auto replay_id =
      (id.empty() ? std::string{"dead-letter"} : id) + ":replay:" + std::to_string(sequence);
  natsMsgHeader_Set(again, "Nats-Msg-Id", replay_id.c_str());
  jsPubAck* ack = nullptr;
  const auto status = js_PublishMsg(&ack, js, again, nullptr, nullptr);
  if (ack != nullptr)
    jsPubAck_Destroy(ack);
  if (status != NATS_OK)
    return replay_outcome::failed;
  return js_DeleteMsg(js, dead_letter_stream, sequence, nullptr, nullptr) == NATS_OK
             ? replay_outcome::replayed
             : replay_outcome::failed;
}

} // namespace gh::events
