#include "gateway/router.hpp"

#include <gtest/gtest.h>

using namespace gh;

namespace {

router make_router() {
  router r;
  r.add({"GET", "/healthz", {}, body_kind::none, 1});
  r.add({"GET", "/api/v1/files/{id}", {}, body_kind::none, 2});
  r.add({"DELETE", "/api/v1/files/{id}", {}, body_kind::none, 3});
  r.add({"POST", "/api/v1/collections/{collection}/records", {}, body_kind::json, 4});
  return r;
}

} // namespace

TEST(RouterTest, MatchesStaticAndParameterisedRoutes) {
  auto r = make_router();
  auto m = r.match("GET", "/healthz");
  ASSERT_EQ(m.result, route_match::kind::found);
  EXPECT_EQ(m.target->metrics_slot, 1U);

  m = r.match("DELETE", "/api/v1/files/abc");
  ASSERT_EQ(m.result, route_match::kind::found);
  EXPECT_EQ(m.target->metrics_slot, 3U);
  ASSERT_EQ(m.params.size(), 1U);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "abc");

  m = r.match("POST", "/api/v1/collections/notes/records");
  ASSERT_EQ(m.result, route_match::kind::found);
  EXPECT_EQ(m.target->body, body_kind::json);
  EXPECT_EQ(m.params[0].second, "notes");
}

TEST(RouterTest, NotFoundAndMethodNotAllowed) {
  auto r = make_router();
  EXPECT_EQ(r.match("GET", "/").result, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "/healthz/").result, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "/healthzz").result, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "/api/v1/files/").result, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "/api/v1/files/a/b").result, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "").result, route_match::kind::not_found);
  EXPECT_EQ(r.match("GET", "healthz").result, route_match::kind::not_found);
  auto m = r.match("PUT", "/api/v1/files/x");
  EXPECT_EQ(m.result, route_match::kind::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE");
}

TEST(RouterTest, RefusesPatternsWithoutSlash) {
  router r;
  EXPECT_THROW(r.add({"GET", "healthz", {}, body_kind::none, 0}), std::invalid_argument);
}
