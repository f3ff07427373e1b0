#include "actors/federation/idp_event.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace gh::federation {
namespace {

namespace json = boost::json;

const idp_event& event_of(const idp_decode_result& r) {
  if (const auto* e = std::get_if<idp_event_error>(&r))
    ADD_FAILURE() << e->detail
                  << (e->errors.empty() ? ""
                                        : ": " + e->errors[0].field + " " + e->errors[0].message);
  static const idp_event none;
  const auto* event = std::get_if<idp_event>(&r);
  return event != nullptr ? *event : none;
}

// The field the refusal names ("" when it names none), or "(accepted)".
std::string refused_field(const idp_decode_result& r) {
  const auto* e = std::get_if<idp_event_error>(&r);
  if (e == nullptr)
    return "(accepted)";
  EXPECT_FALSE(e->detail.empty());
  return e->errors.empty() ? "" : e->errors[0].field;
}

std::string fusionauth_body(std::string_view type, std::string_view user) {
  return R"({"event":{"id":"9d3ad2b4-5c6f-4f0a-8a7e-2b1f6f3c0e11","type":")" + std::string{type} +
         R"(","createInstant":1780000000000,"tenantId":"t1","info":{"ipAddress":"10.0.0.1"},)" +
         R"("user":)" + std::string{user} + "}}";
}

constexpr std::string_view fa_user = R"({"id":"00000000-0000-0001-0000-000000000001",
  "email":"Ada@Example.com","verified":true,"mobilePhone":"+44 20 7946 0958",
  "firstName":"Ada","lastName":"Lovelace","active":true,"data":{"a":{"b":[1,2,{"c":null}]}},
  "registrations":[{"applicationId":"x","roles":["admin"]}]})";

TEST(IdpEventTest, StandardWebhookBodyDecodesEveryMember) {
  const auto r = decode_standard_webhook_event(
      "msg_2abc", R"({"type":"user.created","timestamp":"2026-12-06T10:00:00Z","data":{
        "sub":"eu-west-1:7f3c","email":"ada@example.com","email_verified":true,
        "phone":"+442079460958","name":"Ada Lovelace","extra":{"x":1}}})");
  const idp_event expected{"msg_2abc",
                           idp_event_type::user_created,
                           "eu-west-1:7f3c",
                           "ada@example.com",
                           true,
                           "+442079460958",
                           "Ada Lovelace"};
  EXPECT_EQ(event_of(r), expected);
}

TEST(IdpEventTest, StandardWebhookOptionalMembersMayBeAbsentOrNull) {
  const auto r = decode_standard_webhook_event(
      "m1", R"({"type":"user.deleted","data":{"sub":"s","email":null,"name":null}})");
  const auto& e = event_of(r);
  EXPECT_EQ(e.type, idp_event_type::user_deleted);
  EXPECT_EQ(e.sub, "s");
  EXPECT_FALSE(e.email || e.email_verified || e.phone || e.name);
}

TEST(IdpEventTest, StandardWebhookAcceptsExactlyTheFourTypes) {
  for (auto type : {idp_event_type::user_created, idp_event_type::user_updated,
                    idp_event_type::user_disabled, idp_event_type::user_deleted}) {
    const auto body = R"({"type":")" + std::string{to_string(type)} + R"(","data":{"sub":"s"}})";
    EXPECT_EQ(event_of(decode_standard_webhook_event("m", body)).type, type) << body;
    EXPECT_EQ(idp_event_type_of(to_string(type)), type);
  }
  for (std::string_view type : {"user.create", "User.Created", "user.created ", "user.login", ""})
    EXPECT_EQ(refused_field(decode_standard_webhook_event("m", R"({"type":")" + std::string{type} +
                                                                   R"(","data":{"sub":"s"}})")),
              "type")
        << type;
}

TEST(IdpEventTest, StandardWebhookRefusesWrongTypesAndMissingMembers) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"data":{"sub":"s"}})", "type"},
      {R"({"type":1,"data":{"sub":"s"}})", "type"},
      {R"({"type":null,"data":{"sub":"s"}})", "type"},
      {R"({"type":"user.created"})", "data"},
      {R"({"type":"user.created","data":[]})", "data"},
      {R"({"type":"user.created","data":"s"})", "data"},
      {R"({"type":"user.created","data":{}})", "data.sub"},
      {R"({"type":"user.created","data":{"sub":""}})", "data.sub"},
      {R"({"type":"user.created","data":{"sub":42}})", "data.sub"},
      {R"({"type":"user.created","data":{"sub":"a\u0000b"}})", "data.sub"},
      {R"({"type":"user.created","data":{"sub":"s","email":7}})", "data.email"},
      {R"({"type":"user.created","data":{"sub":"s","email":""}})", "data.email"},
      {R"({"type":"user.created","data":{"sub":"s","email":"no-at-sign"}})", "data.email"},
      {R"({"type":"user.created","data":{"sub":"s","email":"a b@c.d"}})", "data.email"},
      {R"({"type":"user.created","data":{"sub":"s","email":"a@b\nc"}})", "data.email"},
      {R"({"type":"user.created","data":{"sub":"s","email_verified":"true"}})",
       "data.email_verified"},
      {R"({"type":"user.created","data":{"sub":"s","email_verified":1}})", "data.email_verified"},
      {R"({"type":"user.created","data":{"sub":"s","phone":12345}})", "data.phone"},
      {R"({"type":"user.created","data":{"sub":"s","phone":"call me"}})", "data.phone"},
      {R"({"type":"user.created","data":{"sub":"s","phone":"+- ."}})", "data.phone"},
      {R"({"type":"user.created","data":{"sub":"s","name":["Ada"]}})", "data.name"},
      {R"({"type":"user.created","data":{"sub":"s","name":"   "}})", "data.name"},
      {R"({"type":"user.created","data":{"sub":"s","name":"Ada\u202eecalevoL"}})", "data.name"},
  };
  for (const auto& [body, field] : cases)
    EXPECT_EQ(refused_field(decode_standard_webhook_event("m", body)), field) << body;
}

TEST(IdpEventTest, StandardWebhookIdIsChecked) {
  const std::string body = R"({"type":"user.created","data":{"sub":"s"}})";
  EXPECT_EQ(event_of(decode_standard_webhook_event(std::string(255, 'i'), body)).id,
            std::string(255, 'i'));
  for (const std::string& id : {std::string{}, std::string(256, 'i'), std::string{"a b"},
                                std::string{"a\tb"}, std::string{"\xc3\xa9"}})
    EXPECT_EQ(refused_field(decode_standard_webhook_event(id, body)), "webhook-id") << id;
}

TEST(IdpEventTest, StringLimitsAreEnforced) {
  const auto with = [](std::string_view member, const std::string& value) {
    return R"({"type":"user.updated","data":{"sub":"s",")" + std::string{member} + R"(":")" +
           value + R"("}})";
  };
  const auto sub_body = [](const std::string& sub) {
    return R"({"type":"user.updated","data":{"sub":")" + sub + R"("}})";
  };
  EXPECT_EQ(event_of(decode_standard_webhook_event("m", sub_body(std::string(255, 's')))).sub,
            std::string(255, 's'));
  EXPECT_EQ(refused_field(decode_standard_webhook_event("m", sub_body(std::string(256, 's')))),
            "data.sub");
  const auto email = std::string(240, 'e') + "@example.com"; // 252 bytes
  EXPECT_EQ(event_of(decode_standard_webhook_event("m", with("email", email))).email, email);
  EXPECT_EQ(refused_field(
                decode_standard_webhook_event("m", with("email", std::string(250, 'e') + "@e.co"))),
            "data.email");
  EXPECT_EQ(refused_field(decode_standard_webhook_event("m", with("phone", std::string(33, '1')))),
            "data.phone");
  EXPECT_EQ(event_of(decode_standard_webhook_event("m", with("name", std::string(200, 'n')))).name,
            std::string(200, 'n'));
  EXPECT_EQ(refused_field(decode_standard_webhook_event("m", with("name", std::string(201, 'n')))),
            "data.name");
}

TEST(IdpEventTest, BodiesThatAreNotObjectsOrTooBigOrTooDeepAreRefused) {
  std::string deep = R"({"type":"user.created","data":{"sub":"s","x":)";
  for (int i = 0; i < 40; ++i)
    deep += "[";
  for (int i = 0; i < 40; ++i)
    deep += "]";
  deep += "}}";
  std::string huge = R"({"type":"user.created","data":{"sub":"s","pad":")";
  huge += std::string(max_idp_body_bytes, 'p') + R"("}})";
  for (const std::string& body :
       {std::string{}, std::string{"null"}, std::string{"[]"}, std::string{"\"user.created\""},
        std::string{"42"}, std::string{"{"}, std::string{"{\"type\":\"user.created\",}"},
        std::string{"{\"type\":\"user.cr\xff\"}"}, deep, huge}) {
    EXPECT_EQ(refused_field(decode_standard_webhook_event("m", body)), "") << body.substr(0, 60);
    EXPECT_EQ(refused_field(decode_fusionauth_event(body)), "") << body.substr(0, 60);
  }
}

TEST(IdpEventTest, FusionAuthUserCreateDecodesTheUser) {
  const auto r = decode_fusionauth_event(fusionauth_body("user.create", fa_user));
  const idp_event expected{"9d3ad2b4-5c6f-4f0a-8a7e-2b1f6f3c0e11",
                           idp_event_type::user_created,
                           "00000000-0000-0001-0000-000000000001",
                           "Ada@Example.com",
                           true,
                           "+44 20 7946 0958",
                           "Ada Lovelace"};
  EXPECT_EQ(event_of(r), expected);
}

TEST(IdpEventTest, FusionAuthTypesMapToTheDomainEvents) {
  const std::vector<std::pair<std::string, idp_event_type>> mapping{
      {"user.create", idp_event_type::user_created},
      {"user.update", idp_event_type::user_updated},
      {"user.deactivate", idp_event_type::user_disabled},
      {"user.reactivate", idp_event_type::user_updated},
      {"user.delete", idp_event_type::user_deleted},
  };
  for (const auto& [fa_type, type] : mapping)
    EXPECT_EQ(event_of(decode_fusionauth_event(fusionauth_body(fa_type, fa_user))).type, type)
        << fa_type;
}

TEST(IdpEventTest, FusionAuthOtherEventsAreIgnoredNotRefused) {
  for (std::string_view type : {"user.login.success", "user.create.complete", "user.created",
                                "jwt.refresh-token.revoke", "User.Create"}) {
    const auto r = decode_fusionauth_event(fusionauth_body(type, "{}"));
    const auto* ignored = std::get_if<ignored_idp_event>(&r);
    ASSERT_NE(ignored, nullptr) << type;
    EXPECT_EQ(ignored->type, type);
    EXPECT_EQ(ignored->id, "9d3ad2b4-5c6f-4f0a-8a7e-2b1f6f3c0e11");
  }
  // An ignored event still needs a well-formed id and type.
  EXPECT_EQ(refused_field(decode_fusionauth_event(R"({"event":{"type":"user.login.success"}})")),
            "event.id");
  EXPECT_EQ(refused_field(decode_fusionauth_event(R"({"event":{"id":"e","type":")" +
                                                  std::string(65, 't') + R"("}})")),
            "event.type");
}

TEST(IdpEventTest, FusionAuthNameIsFullNameElseFirstAndLast) {
  const auto name_of = [](std::string_view user) {
    return event_of(decode_fusionauth_event(fusionauth_body("user.update", user))).name;
  };
  EXPECT_EQ(name_of(R"({"id":"u","fullName":"Augusta Ada King","firstName":"Ada"})"),
            "Augusta Ada King");
  EXPECT_EQ(name_of(R"({"id":"u","fullName":"  ","firstName":" Ada ","lastName":"King"})"),
            "Ada King");
  EXPECT_EQ(name_of(R"({"id":"u","firstName":"Ada"})"), "Ada");
  EXPECT_EQ(name_of(R"({"id":"u","lastName":"King"})"), "King");
  EXPECT_EQ(name_of(R"({"id":"u","fullName":null})"), std::nullopt);
  // Parts not used are not held against the event.
  EXPECT_EQ(name_of(R"({"id":"u","fullName":"Ada","firstName":"\u202e"})"), "Ada");
  EXPECT_EQ(name_of(R"({"id":"u"})"), std::nullopt);
}

TEST(IdpEventTest, FusionAuthRefusesWrongTypesAndMissingMembers) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({})", "event"},
      {R"({"event":null})", "event"},
      {R"({"event":[]})", "event"},
      {R"({"event":{"id":7,"type":"user.create","user":{"id":"u"}}})", "event.id"},
      {R"({"event":{"id":"","type":"user.create","user":{"id":"u"}}})", "event.id"},
      {R"({"event":{"id":"e","user":{"id":"u"}}})", "event.type"},
      {R"({"event":{"id":"e","type":["user.create"],"user":{"id":"u"}}})", "event.type"},
      {R"({"event":{"id":"e","type":"user.create"}})", "event.user"},
      {R"({"event":{"id":"e","type":"user.create","user":"u"}})", "event.user"},
      {R"({"event":{"id":"e","type":"user.create","user":{}}})", "event.user.id"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":""}}})", "event.user.id"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":1}}})", "event.user.id"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":"u","email":false}}})",
       "event.user.email"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":"u","verified":"yes"}}})",
       "event.user.verified"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":"u","mobilePhone":{}}}})",
       "event.user.mobilePhone"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":"u","fullName":1}}})",
       "event.user.fullName"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":"u","firstName":1}}})",
       "event.user.firstName"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":"u","lastName":"\u0007"}}})",
       "event.user.lastName"},
      {R"({"event":{"id":"e","type":"user.create","user":{"id":"u","firstName":"A\u202eB"}}})",
       "event.user.firstName"},
  };
  for (const auto& [body, field] : cases)
    EXPECT_EQ(refused_field(decode_fusionauth_event(body)), field) << body;
  const std::string long_name = std::string(801, 'n');
  EXPECT_EQ(refused_field(decode_fusionauth_event(
                fusionauth_body("user.create", R"({"id":"u","fullName":")" + long_name + "\"}"))),
            "event.user.fullName");
}

TEST(IdpEventTest, NormalisedEventRoundTrips) {
  const idp_event full{"9d3ad2b4",  idp_event_type::user_disabled, "sub-1", "a@b.co", false,
                       "+15550100", "Ada \"Countess\" Lovelace"};
  const idp_event minimal{"m", idp_event_type::user_deleted, "s", {}, {}, {}, {}};
  for (const auto& e : {full, minimal}) {
    const auto text = encode_idp_event(e);
    const auto back = decode_idp_event(text);
    ASSERT_TRUE(std::holds_alternative<idp_event>(back)) << text;
    EXPECT_EQ(std::get<idp_event>(back), e) << text;
    EXPECT_EQ(std::get<idp_event>(idp_event_from_json(to_json(e))), e);
  }
  EXPECT_EQ(json::serialize(to_json(minimal)), R"({"id":"m","type":"user.deleted","sub":"s"})");
  ASSERT_TRUE(to_json(full).at("email_verified").is_bool());
  EXPECT_FALSE(to_json(full).at("email_verified").get_bool());
}

TEST(IdpEventTest, NormalisedEventIsCheckedWhenReadBack) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"type":"user.created","sub":"s"})", "id"},
      {R"({"id":"m","type":"user.create","sub":"s"})", "type"},
      {R"({"id":"m","type":"user.created"})", "sub"},
      {R"({"id":"m","type":"user.created","sub":"s","email_verified":"no"})", "email_verified"},
      {R"({"id":"m","type":"user.created","sub":"s","phone":"x"})", "phone"},
  };
  for (const auto& [text, field] : cases) {
    const auto r = decode_idp_event(text);
    const auto* e = std::get_if<idp_event_error>(&r);
    ASSERT_NE(e, nullptr) << text;
    ASSERT_EQ(e->errors.size(), 1U) << text;
    EXPECT_EQ(e->errors[0].field, field) << text;
  }
  // Members a later version adds are ignored.
  const auto r = decode_idp_event(R"({"id":"m","type":"user.created","sub":"s","provider":"x"})");
  EXPECT_TRUE(std::holds_alternative<idp_event>(r));
  EXPECT_TRUE(std::holds_alternative<idp_event_error>(decode_idp_event("[1]")));
}

} // namespace
} // namespace gh::federation
