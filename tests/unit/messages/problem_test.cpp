#include "messages/problem.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace gh;

TEST(ProblemTest, HasTheContractFields) {
  auto p = make_problem(gh_errc::validation, "bad body", "req-1", {{"email", "is not an email"}});
  auto v = boost::json::parse(to_json(p)).as_object();
  EXPECT_EQ(v.at("type").as_string(), "https://gatehouse.dev/problems/validation");
  EXPECT_EQ(v.at("title").as_string(), "Invalid request");
  EXPECT_EQ(v.at("status").as_int64(), 400);
  EXPECT_EQ(v.at("detail").as_string(), "bad body");
  EXPECT_EQ(v.at("request_id").as_string(), "req-1");
  ASSERT_EQ(v.at("errors").as_array().size(), 1U);
  EXPECT_EQ(v.at("errors").as_array()[0].as_object().at("field").as_string(), "email");
}

TEST(ProblemTest, EveryCodeHasItsStatusAndSlug) {
  struct row {
    gh_errc code;
    int status;
    const char* slug;
  };
  for (auto r :
       {row{gh_errc::validation, 400, "validation"},
        row{gh_errc::unauthorized, 401, "unauthorized"}, row{gh_errc::forbidden, 403, "forbidden"},
        row{gh_errc::not_found, 404, "not-found"}, row{gh_errc::conflict, 409, "conflict"},
        row{gh_errc::rate_limited, 429, "rate-limited"},
        row{gh_errc::provider_unavailable, 503, "provider-unavailable"},
        row{gh_errc::not_configured, 503, "not-configured"},
        row{gh_errc::upstream_unavailable, 502, "upstream-unavailable"},
        row{gh_errc::upstream_timeout, 504, "upstream-timeout"},
        row{gh_errc::internal, 500, "internal"},
        row{gh_errc::payload_too_large, 413, "payload-too-large"},
        row{gh_errc::unsupported_media_type, 415, "unsupported-media-type"},
        row{gh_errc::quota_exceeded, 409, "quota-exceeded"},
        row{gh_errc::precondition_failed, 412, "precondition-failed"}}) {
    EXPECT_EQ(http_status(r.code), r.status);
    EXPECT_EQ(problem_slug(r.code), r.slug);
    auto err = make_error(r.code);
    EXPECT_EQ(err.category(), gh_error_category);
    EXPECT_EQ(err.code(), static_cast<uint8_t>(r.code));
  }
}

TEST(ProblemTest, EscapesHostileDetail) {
  auto p = make_problem(gh_errc::not_found, "no route for /\"}<script>\n", "");
  auto v = boost::json::parse(to_json(p)).as_object();
  EXPECT_EQ(v.at("detail").as_string(), "no route for /\"}<script>\n");
  EXPECT_FALSE(v.contains("request_id"));
  EXPECT_FALSE(v.contains("errors"));
}
