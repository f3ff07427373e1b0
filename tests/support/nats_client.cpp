#include "tests/support/nats_client.hpp"

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <cstdio>
#include <cstdlib>

namespace gh::test {

namespace {

stored_message stored_of(natsMsg* m) {
  stored_message sm{natsMsg_GetSubject(m),
                    {natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m))},
                    {}};
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(m, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(m, keys[i], &value) == NATS_OK)
        sm.headers[keys[i]] = value;
    }
    free(static_cast<void*>(keys));
  }
  return sm;
}

} // namespace

nats_client::nats_client(const std::string& url) {
  EXPECT_EQ(natsConnection_ConnectTo(&conn_, url.c_str()), NATS_OK);
  EXPECT_EQ(natsConnection_JetStream(&js_, conn_, nullptr), NATS_OK);
}

nats_client::~nats_client() {
  jsCtx_Destroy(js_);
  natsConnection_Destroy(conn_);
}

std::vector<stored_message> nats_client::messages(const char* stream) {
  std::vector<stored_message> out;
  jsStreamInfo* info = nullptr;
  if (js_GetStreamInfo(&info, js_, stream, nullptr, nullptr) != NATS_OK)
    return out;
  const auto first = info->State.FirstSeq;
  const auto last = info->State.LastSeq;
  jsStreamInfo_Destroy(info);
  for (auto seq = first; seq != 0 && seq <= last; ++seq) {
    natsMsg* m = nullptr;
    if (js_GetMsg(&m, js_, stream, seq, nullptr, nullptr) != NATS_OK)
      continue;
    out.push_back(stored_of(m));
    natsMsg_Destroy(m);
  }
  return out;
}

void nats_client::publish(const std::string& subject, const std::string& body,
                          const std::string& id) {
  natsMsg* m = nullptr;
  ASSERT_EQ(
      natsMsg_Create(&m, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size())),
      NATS_OK);
  natsMsgHeader_Set(m, "Nats-Msg-Id", id.c_str());
  jsPubAck* ack = nullptr;
  EXPECT_EQ(js_PublishMsg(&ack, js_, m, nullptr, nullptr), NATS_OK);
  jsPubAck_Destroy(ack);
  natsMsg_Destroy(m);
}

std::string nats_client::request(const std::string& subject) {
  natsMsg* reply = nullptr;
  if (natsConnection_RequestString(&reply, conn_, subject.c_str(), "", 3000) != NATS_OK)
    return {};
  std::string body{natsMsg_GetData(reply), static_cast<std::size_t>(natsMsg_GetDataLength(reply))};
  natsMsg_Destroy(reply);
  return body;
}

} // namespace gh::test

namespace gh::test {

std::optional<stored_message> nats_client::request(const std::string& subject,
                                                   const std::string& body,
                                                   std::chrono::milliseconds timeout) {
  natsMsg* reply = nullptr;
  if (natsConnection_Request(&reply, conn_, subject.c_str(), body.data(),
                             static_cast<int>(body.size()),
                             static_cast<int64_t>(timeout.count())) != NATS_OK)
    return std::nullopt;
  auto out = stored_of(reply);
  natsMsg_Destroy(reply);
  return out;
}

std::vector<stored_message> nats_client::collect(const std::string& subject,
                                                 const std::string& body,
                                                 std::chrono::milliseconds wait) {
  std::vector<stored_message> out;
  char inbox[64];
  natsInbox* box = nullptr;
  if (natsInbox_Create(&box) != NATS_OK)
    return out;
  std::snprintf(inbox, sizeof inbox, "%s", static_cast<const char*>(box));
  natsInbox_Destroy(box);
  natsSubscription* sub = nullptr;
  if (natsConnection_SubscribeSync(&sub, conn_, inbox) != NATS_OK)
    return out;
  natsConnection_PublishRequest(conn_, subject.c_str(), inbox, body.data(),
                                static_cast<int>(body.size()));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      break;
    natsMsg* m = nullptr;
    if (natsSubscription_NextMsg(&m, sub, static_cast<int64_t>(left.count())) != NATS_OK)
      break;
    out.push_back(stored_of(m));
    natsMsg_Destroy(m);
  }
  natsSubscription_Destroy(sub);
  return out;
}

} // namespace gh::test
