#include "actors/federation/idp_receiver.hpp"
#include "crypto/crypto.hpp"
#include "crypto/standard_webhooks.hpp"
#include "messages/event_envelope.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace gh::federation {
namespace {

constexpr int64_t hook_now = 1'780'000'000;
const idp_webhook_provider sw_provider{"hooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
const idp_webhook_provider fa_provider{"fa", "a FusionAuth HMAC key"};

http_request standard_request(const std::string& body, int64_t timestamp = hook_now,
                              const std::string& signed_body = {}) {
  http_request r;
  r.body = body;
  const auto key = standard_webhooks::secret_key(sw_provider.secret).value();
  r.headers = {
      {"webhook-id", "msg_1"},
      {"webhook-timestamp", std::to_string(timestamp)},
      {"webhook-signature",
       standard_webhooks::sign(key, "msg_1", timestamp, signed_body.empty() ? body : signed_body)}};
  return r;
}

http_request fusionauth_request(const std::string& body, const std::string& key) {
  http_request r;
  r.body = body;
  const auto input = crypto::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                     crypto::base64url_encode(R"({"request_body_sha256":")" +
                                              crypto::base64_encode(crypto::sha256(body)) + "\"}");
  r.headers = {{"x-fusionauth-signature-jwt",
                input + "." + crypto::base64url_encode(crypto::hmac_sha256(key, input))}};
  return r;
}

gh_errc refusal(const idp_webhook_check& c) {
  const auto* r = std::get_if<idp_webhook_refusal>(&c);
  return r == nullptr ? gh_errc::ok : r->code;
}

TEST(IdpReceiverTest, SignedStandardWebhookDecodes) {
  auto c = check_idp_webhook(
      sw_provider, standard_request(R"({"type":"user.created","data":{"sub":"s1"}})"), hook_now);
  ASSERT_TRUE(std::holds_alternative<idp_event>(c));
  EXPECT_EQ(std::get<idp_event>(c).id, "msg_1");
  EXPECT_EQ(std::get<idp_event>(c).sub, "s1");
  EXPECT_EQ(std::get<idp_event>(c).type, idp_event_type::user_created);
}

TEST(IdpReceiverTest, StaleTamperedOrUnsignedStandardWebhooksAreRefused) {
  const std::string body = R"({"type":"user.created","data":{"sub":"s1"}})";
  EXPECT_EQ(
      refusal(check_idp_webhook(sw_provider, standard_request(body, hook_now - 301), hook_now)),
      gh_errc::invalid_signature);
  EXPECT_EQ(refusal(check_idp_webhook(
                sw_provider,
                standard_request(R"({"type":"user.deleted","data":{"sub":"s1"}})", hook_now, body),
                hook_now)),
            gh_errc::invalid_signature);
  http_request bare;
  bare.body = body;
  EXPECT_EQ(refusal(check_idp_webhook(sw_provider, bare, hook_now)), gh_errc::invalid_signature);
  // A FusionAuth key is not a whsec_ secret: Standard Webhooks headers cannot be checked with it.
  EXPECT_EQ(refusal(check_idp_webhook(fa_provider, standard_request(body), hook_now)),
            gh_errc::invalid_signature);
}

TEST(IdpReceiverTest, SignedBodiesThatAreNotUserEventsAreValidationProblems) {
  for (const auto* body : {"", "[]", "{", R"({"type":"user.created"})",
                           R"({"type":"user.renamed","data":{"sub":"s"}})",
                           R"({"type":"user.created","data":{"sub":""}})"})
    EXPECT_EQ(refusal(check_idp_webhook(sw_provider, standard_request(body), hook_now)),
              gh_errc::validation)
        << body;
}

TEST(IdpReceiverTest, OversizedBodyIsRefusedBeforeAnyCheck) {
  http_request r;
  r.body = std::string(max_idp_body_bytes + 1, ' ');
  EXPECT_EQ(refusal(check_idp_webhook(sw_provider, r, hook_now)), gh_errc::payload_too_large);
}

TEST(IdpReceiverTest, FusionAuthSignatureChoosesTheFusionAuthFormat) {
  const std::string body =
      R"({"event":{"id":"e1","type":"user.deactivate","user":{"id":"u1","email":"A@x.test"}}})";
  auto c = check_idp_webhook(fa_provider, fusionauth_request(body, fa_provider.secret), hook_now);
  ASSERT_TRUE(std::holds_alternative<idp_event>(c));
  EXPECT_EQ(std::get<idp_event>(c).type, idp_event_type::user_disabled);
  EXPECT_EQ(std::get<idp_event>(c).id, "e1");
  EXPECT_EQ(
      refusal(check_idp_webhook(fa_provider, fusionauth_request(body, "another key"), hook_now)),
      gh_errc::invalid_signature);
  const std::string login = R"({"event":{"id":"e2","type":"user.login.success","user":{}}})";
  EXPECT_TRUE(std::holds_alternative<ignored_idp_event>(
      check_idp_webhook(fa_provider, fusionauth_request(login, fa_provider.secret), hook_now)));
}

TEST(IdpReceiverTest, EnvelopeIdFollowsProviderAndEventId) {
  idp_event e;
  e.id = "msg_1";
  e.sub = "s1";
  e.type = idp_event_type::user_deleted;
  const auto tenant = std::string{"00000000-0000-0000-0000-000000000001"};
  const auto a = idp_envelope("hooks", e, tenant, "2026-12-06T10:00:00Z");
  const auto again = idp_envelope("hooks", e, tenant, "2026-12-06T10:05:00Z");
  const auto other = idp_envelope("fa", e, tenant, "2026-12-06T10:00:00Z");
  EXPECT_EQ(a.id, again.id);
  EXPECT_NE(a.id, other.id);
  EXPECT_EQ(a.type, "idp.webhook.hooks");
  // What the worker reads back: a valid envelope whose data is the event and its provider.
  auto decoded = decode_event(encode_event(a));
  ASSERT_TRUE(std::holds_alternative<event_envelope>(decoded));
  const auto& back = std::get<event_envelope>(decoded);
  EXPECT_EQ(back.data.at("provider").as_string(), "hooks");
  auto event = idp_event_from_json(back.data);
  ASSERT_TRUE(std::holds_alternative<idp_event>(event));
  EXPECT_EQ(std::get<idp_event>(event), e);
}

} // namespace
} // namespace gh::federation
