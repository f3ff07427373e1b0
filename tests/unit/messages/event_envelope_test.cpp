#include "messages/event_envelope.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

using namespace gh;

namespace {

const std::string valid =
    R"({"id":"0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f","type":"user.created",)"
    R"("occurred_at":"2026-11-22T10:00:00.123Z","tenant_id":"00000000-0000-0000-0000-000000000001",)"
    R"("data":{"user_id":"u1","email":"a@example.com","n":[1,2,{"x":null}]}})";

envelope_error refused(std::string_view text) {
  auto r = decode_event(text);
  EXPECT_TRUE(std::holds_alternative<envelope_error>(r)) << text;
  return std::holds_alternative<envelope_error>(r) ? std::get<envelope_error>(r) : envelope_error{};
}

std::string with(std::string_view field, std::string_view json_value) {
  // Replaces the value of `field` in `valid` (fields are unique and simple there).
  std::string out = valid;
  const auto key = "\"" + std::string{field} + "\":";
  auto start = out.find(key) + key.size();
  auto end = start;
  if (out[start] == '"')
    end = out.find('"', start + 1) + 1;
  else
    end = out.find_last_of('}');
  out.replace(start, end - start, json_value);
  return out;
}

} // namespace

TEST(EventEnvelopeTest, RoundTrips) {
  auto r = decode_event(valid);
  ASSERT_TRUE(std::holds_alternative<event_envelope>(r)) << std::get<envelope_error>(r).message;
  const auto& e = std::get<event_envelope>(r);
  EXPECT_EQ(e.id, "0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f");
  EXPECT_EQ(e.type, "user.created");
  EXPECT_EQ(e.tenant_id, "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(e.data.at("email").as_string(), "a@example.com");
  auto again = decode_event(encode_event(e));
  ASSERT_TRUE(std::holds_alternative<event_envelope>(again));
  EXPECT_EQ(encode_event(std::get<event_envelope>(again)), encode_event(e));
}

TEST(EventEnvelopeTest, NamesTheFieldAtFault) {
  EXPECT_EQ(refused(with("id", R"("not-a-uuid")")).field, "id");
  EXPECT_EQ(refused(with("id", "42")).field, "id");
  EXPECT_EQ(refused(with("type", R"("user.*")")).field, "type");
  EXPECT_EQ(refused(with("type", R"("user..created")")).field, "type");
  EXPECT_EQ(refused(with("type", R"("")")).field, "type");
  EXPECT_EQ(refused(with("occurred_at", R"("yesterday")")).field, "occurred_at");
  EXPECT_EQ(refused(with("occurred_at", R"("2026-02-30T00:00:00Z")")).field, "occurred_at");
  EXPECT_EQ(refused(with("tenant_id", "null")).field, "tenant_id");
  EXPECT_EQ(refused(R"({"id":"0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f","type":"a.b",)"
                    R"("occurred_at":"2026-11-22T10:00:00Z",)"
                    R"("tenant_id":"00000000-0000-0000-0000-000000000001","data":[1]})")
                .field,
            "data");
}

TEST(EventEnvelopeTest, RefusesMalformedDocuments) {
  for (std::string_view text :
       {std::string_view{""}, std::string_view{"{"}, std::string_view{"[]"},
        std::string_view{"null"}, std::string_view{R"({"id":)"},
        std::string_view{"{\"id\":\"\xff\xfe\"}"}, std::string_view{"{} {}"},
        std::string_view{valid}.substr(0, valid.size() - 1)}) {
    auto e = refused(text);
    EXPECT_FALSE(e.message.empty());
  }
}

TEST(EventEnvelopeTest, RefusesDuplicateKeysAndDeepNesting) {
  std::string dup = valid;
  dup.insert(1, R"("type":"user.deleted",)");
  EXPECT_NE(refused(dup).message.find("duplicate"), std::string::npos);

  std::string deep = with("data", std::string(200, '[') + std::string(200, ']'));
  EXPECT_FALSE(refused(deep).message.empty());
}

TEST(EventEnvelopeTest, ValidatorsAcceptTheRealForms) {
  EXPECT_TRUE(is_rfc3339("2024-02-29T23:59:60+01:00"));
  EXPECT_TRUE(is_rfc3339("2026-11-22t10:00:00.123456789z"));
  EXPECT_FALSE(is_rfc3339("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(is_rfc3339("2026-11-22T10:00:00"));
  EXPECT_FALSE(is_rfc3339("2026-11-22T10:00:00.Z"));
  EXPECT_FALSE(is_rfc3339("2026-11-22T24:00:00Z"));
  EXPECT_TRUE(is_event_subject("stripe.webhook.checkout-session_completed"));
  EXPECT_FALSE(is_event_subject("user.>"));
  EXPECT_FALSE(is_event_subject("user created"));
  EXPECT_FALSE(is_event_subject(".user"));
  EXPECT_FALSE(is_event_subject(std::string(300, 'a')));
  EXPECT_TRUE(is_uuid("0B6F8A52-4D0C-4A8E-9F7E-3C2B1A0D9E8F"));
  EXPECT_FALSE(is_uuid("0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8"));
  EXPECT_FALSE(is_uuid("0b6f8a52x4d0c-4a8e-9f7e-3c2b1a0d9e8f"));
}
