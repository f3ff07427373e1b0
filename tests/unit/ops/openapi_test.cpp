#include "actors/ops/openapi.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <stdexcept>

using namespace gh;

namespace {

ops::openapi_input sample() {
  ops::openapi_input in;
  in.routes = {{"GET", "/api/v1/things/{id}", {}, body_kind::none, 1, auth_policy::user},
               {"POST", "/api/v1/things", {}, body_kind::json, 2, auth_policy::user},
               {"GET", "/api/v1/admin/things", {}, body_kind::none, 3, auth_policy::optional},
               {"GET", "/healthz", {}, body_kind::none, 4, auth_policy::none}};
  in.docs = {{"GET",
              "/api/v1/things/{id}",
              "things",
              "One thing",
              {},
              200,
              R"({"$ref":"#/components/schemas/Thing"})",
              {}},
             {"POST",
              "/api/v1/things",
              "things",
              "Make a thing",
              R"({"type":"object"})",
              201,
              R"({"$ref":"#/components/schemas/Thing"})",
              {}},
             {"GET", "/api/v1/admin/things", "things", "Every thing", {}, 200, {}, "key"}};
  in.schemas = {{"Thing", R"({"type":"object"})"}};
  in.version = "9.9.9";
  in.public_url = "https://api.example.com";
  return in;
}

TEST(OpenApiDocumentTest, ListsEveryRouteWithItsParametersBodyAndSecurity) {
  const auto doc = boost::json::parse(ops::openapi_document(sample())).as_object();
  const auto& paths = doc.at("paths").as_object();
  ASSERT_EQ(paths.size(), 4U);
  const auto& one = paths.at("/api/v1/things/{id}").at("get").as_object();
  EXPECT_EQ(one.at("summary").as_string(), "One thing");
  EXPECT_EQ(one.at("parameters").as_array()[0].at("name").as_string(), "id");
  EXPECT_EQ(one.at("security").as_array().size(), 2U); // bearer or cookie
  const auto& make = paths.at("/api/v1/things").at("post").as_object();
  EXPECT_TRUE(make.at("requestBody").at("content").as_object().contains("application/json"));
  EXPECT_TRUE(make.at("responses").as_object().contains("201"));
  EXPECT_EQ(make.at("responses").at("default").at("content").as_object().begin()->key(),
            "application/problem+json");
  const auto& admin = paths.at("/api/v1/admin/things").at("get").as_object();
  EXPECT_TRUE(admin.at("security").as_array()[0].as_object().contains("apiKey"));
  // Described by nobody: listed all the same, and marked.
  EXPECT_TRUE(paths.at("/healthz").at("get").as_object().contains("x-undocumented"));
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("Thing"));
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("Problem"));
  EXPECT_EQ(doc.at("servers").as_array()[0].at("url").as_string(), "https://api.example.com");
}

TEST(OpenApiDocumentTest, RefusesASchemaThatIsNotJson) {
  auto in = sample();
  in.schemas.emplace_back("Broken", "{not json");
  EXPECT_THROW(ops::openapi_document(in), std::invalid_argument);
}

} // namespace
