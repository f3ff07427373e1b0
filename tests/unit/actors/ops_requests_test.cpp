#include "actors/ops_requests.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace gh::ops_requests;

namespace {

/// The refusal `decoded` holds; fails the test when it holds a request.
template <class Decoded>
refusal refused(const Decoded& decoded) {
  const auto* r = std::get_if<refusal>(&decoded);
  EXPECT_NE(r, nullptr);
  return r == nullptr ? refusal{} : *r;
}

} // namespace

TEST(OpsRequestsTest, EmptyBodiesTakeTheDefaults) {
  for (const std::string body : {"", "  \n", "{}"}) {
    EXPECT_EQ(std::get<drain_request>(decode_drain(body)).idle.count(), 10) << body;
    EXPECT_EQ(std::get<reconcile_request>(decode_reconcile(body)).days, 3) << body;
  }
}

TEST(OpsRequestsTest, DrainAcceptsIdleSecondsWithinItsRange) {
  EXPECT_EQ(std::get<drain_request>(decode_drain(R"({"idle_seconds":1})")).idle.count(), 1);
  EXPECT_EQ(std::get<drain_request>(decode_drain(R"({"idle_seconds":3600})")).idle.count(), 3600);
  for (const std::string body :
       {R"({"idle_seconds":0})", R"({"idle_seconds":3601})", R"({"idle_seconds":-5})",
        R"({"idle_seconds":1.5})", R"({"idle_seconds":"10"})", R"({"idle_seconds":null})",
        R"({"idle_seconds":18446744073709551615})"}) {
    const auto r = refused(decode_drain(body));
    EXPECT_EQ(r.code, 400) << body;
    ASSERT_EQ(r.fields.size(), 1U) << body;
    EXPECT_EQ(r.fields.front().field, "idle_seconds");
  }
}

TEST(OpsRequestsTest, DlqReplayTakesOneIdOrAll) {
  const auto one = std::get<dlq_replay_request>(decode_dlq_replay(R"({"id":42})"));
  EXPECT_EQ(one.id, 42U);
  EXPECT_FALSE(one.all);
  const auto all = std::get<dlq_replay_request>(decode_dlq_replay(R"({"all":true})"));
  EXPECT_TRUE(all.all);
  EXPECT_EQ(all.id, 0U);
  EXPECT_EQ(all.limit, 1000U);
  EXPECT_EQ(std::get<dlq_replay_request>(decode_dlq_replay(R"({"all":true,"limit":5})")).limit, 5U);
}

TEST(OpsRequestsTest, DlqReplayRefusesWhatIsNotOneOfTheTwoForms) {
  for (const std::string body :
       {"", "{}", R"({"all":false})", R"({"id":1,"all":true})", R"({"id":0})", R"({"id":-1})",
        R"({"id":"1"})", R"({"id":1e3})", R"({"all":"yes"})", R"({"all":1})",
        R"({"all":true,"limit":0})", R"({"all":true,"limit":1001})", R"({"id":1,"limit":5})",
        R"({"id":18446744073709551615})"}) {
    const auto r = refused(decode_dlq_replay(body));
    EXPECT_EQ(r.code, 400) << body;
    EXPECT_FALSE(r.description.empty()) << body;
  }
}

TEST(OpsRequestsTest, ReconcileDaysAsTheCommandAllows) {
  EXPECT_EQ(std::get<reconcile_request>(decode_reconcile(R"({"days":30})")).days, 30);
  for (const std::string body : {R"({"days":0})", R"({"days":31})", R"({"days":true})"})
    EXPECT_EQ(refused(decode_reconcile(body)).fields.front().field, "days") << body;
}

TEST(OpsRequestsTest, MalformedBodiesAreRefusedWithAReason) {
  const std::string big = R"({"days":3,"x":")" + std::string(max_body, 'a') + R"("})";
  for (const std::string& body : std::vector<std::string>{
           "{not json", "[1,2]", "42", "\"text\"", R"({"days":3)", "\xff\xfe", big,
           R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}})"}) {
    const auto r = refused(decode_reconcile(body));
    EXPECT_EQ(r.code, 400) << body;
    EXPECT_FALSE(r.description.empty()) << body;
  }
  EXPECT_NE(refused(decode_reconcile(big)).description.find("larger than"), std::string::npos);
}

TEST(OpsRequestsTest, UnknownFieldsAreNamedAndNotEchoedRaw) {
  const auto r = refused(decode_drain(R"({"idle_seconds":5,"instance\n":"x"})"));
  EXPECT_EQ(r.description, "the request has unknown fields");
  ASSERT_EQ(r.fields.size(), 1U);
  EXPECT_EQ(r.fields.front().field.find('\n'), std::string::npos);
}

TEST(OpsRequestsTest, ErrorReplyCarriesTheCodeInHeadersAndBody) {
  const auto reply = error_reply(refused(decode_reconcile(R"({"days":99})")));
  EXPECT_EQ(reply.error_code, 400);
  EXPECT_NE(reply.error.find("days"), std::string::npos);
  const auto doc = boost::json::parse(reply.body).as_object();
  EXPECT_EQ(doc.at("error").at("code").as_int64(), 400);
  EXPECT_EQ(doc.at("error").at("description").as_string(), reply.error);
  EXPECT_EQ(doc.at("error").at("fields").as_array().at(0).at("field").as_string(), "days");
}
