#include "messages/email_request.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace gh {
namespace {

std::variant<email_request, envelope_error> decode(std::string_view json) {
  return decode_email_request(boost::json::parse(json).as_object());
}

std::string field_of(std::string_view json) {
  auto r = decode(json);
  auto* e = std::get_if<envelope_error>(&r);
  return e == nullptr ? std::string{"<accepted>"} : e->field;
}

TEST(EmailRequest, DecodesTheDocumentedShapeAndStringifiesScalars) {
  auto r = decode(R"({"to":"a@example.com","template":"password_reset",)"
                  R"("vars":{"reset_url":"https://x/y","expires_in_minutes":30,"vip":true},)"
                  R"("idempotency_key":"password_reset:1"})");
  ASSERT_TRUE(std::holds_alternative<email_request>(r));
  const auto& req = std::get<email_request>(r);
  EXPECT_EQ(req.to, "a@example.com");
  EXPECT_EQ(req.template_name, "password_reset");
  EXPECT_EQ(req.vars.at("expires_in_minutes"), "30");
  EXPECT_EQ(req.vars.at("vip"), "true");
  EXPECT_EQ(req.idempotency_key, "password_reset:1");
}

TEST(EmailRequest, VarsAreOptional) {
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":"k"})"),
            "<accepted>");
}

TEST(EmailRequest, RefusesEachBadFieldByName) {
  EXPECT_EQ(field_of(R"({"template":"welcome","idempotency_key":"k"})"), "data.to");
  EXPECT_EQ(field_of(R"({"to":"a@example.com\r\nBcc: b@example.com","template":"welcome",)"
                     R"("idempotency_key":"k"})"),
            "data.to");
  EXPECT_EQ(field_of(R"({"to":"Ann <a@example.com>","template":"welcome","idempotency_key":"k"})"),
            "data.to");
  EXPECT_EQ(field_of(R"({"to":"a@example.com,b@example.com","template":"welcome",)"
                     R"("idempotency_key":"k"})"),
            "data.to");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"../etc","idempotency_key":"k"})"),
            "data.template");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":""})"),
            "data.idempotency_key");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":")" +
                     std::string(201, 'k') + R"("})"),
            "data.idempotency_key");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":"k",)"
                     R"("vars":[]})"),
            "data.vars");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":"k",)"
                     R"("vars":{"name":{"nested":1}}})"),
            "data.vars.name");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":"k",)"
                     R"("vars":{"name":"a\u0000b"}})"),
            "data.vars.name");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":"k",)"
                     R"("cc":"b@example.com"})"),
            "data.cc");
}

TEST(EmailRequest, LimitsTheNumberAndSizeOfVariables) {
  std::string many = R"({"to":"a@example.com","template":"welcome","idempotency_key":"k","vars":{)";
  for (int i = 0; i < 33; ++i)
    many += (i == 0 ? "" : ",") + std::string{"\"v"} + std::to_string(i) + "\":\"x\"";
  many += "}}";
  EXPECT_EQ(field_of(many), "data.vars");
  EXPECT_EQ(field_of(R"({"to":"a@example.com","template":"welcome","idempotency_key":"k",)"
                     R"("vars":{"name":")" +
                     std::string(4097, 'x') + R"("}})"),
            "data.vars.name");
}

} // namespace
} // namespace gh
