// GET /openapi.json of a real Gatehouse process: an OpenAPI 3.1 document that lists every
// route of the router with a description, and that a standard validator accepts.

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace gh::test;

namespace {

TEST(OpenApiTest, EveryRouteIsDescribedAndTheDocumentValidates) {
  gatehouse_process server;
  const auto r = http_call(server.port(), "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  const auto doc = boost::json::parse(r.body).as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  const auto& paths = doc.at("paths").as_object();
  // The contract's routes are there, each with a summary and no `x-undocumented` mark.
  for (const char* path : {"/api/v1/auth/login", "/api/v1/users/me", "/api/v1/plans/checkout",
                           "/webhooks/stripe", "/api/v1/admin/api-keys", "/openapi.json"})
    EXPECT_TRUE(paths.contains(path)) << path;
  std::size_t operations = 0;
  for (const auto& [path, item] : paths)
    for (const auto& [method, op] : item.as_object()) {
      ++operations;
      EXPECT_FALSE(op.as_object().contains("x-undocumented")) << method << " " << path;
      EXPECT_FALSE(op.at("summary").as_string().empty()) << method << " " << path;
      EXPECT_TRUE(op.at("responses").as_object().contains("default")) << method << " " << path;
    }
  EXPECT_GE(operations, 30U);
  const auto& schemes = doc.at("components").at("securitySchemes").as_object();
  for (const char* scheme : {"bearer", "cookie", "apiKey"})
    EXPECT_TRUE(schemes.contains(scheme)) << scheme;

  const auto file = std::filesystem::temp_directory_path() /
                    ("gh-openapi-" + std::to_string(::getpid()) + ".json");
  std::ofstream{file} << r.body;
  const auto validator =
      std::filesystem::path{GH_SOURCE_DIR} / "tests" / "openapi" / "validate.mjs";
  const auto rc = std::system(("node " + validator.string() + " " + file.string()).c_str());
  std::filesystem::remove(file);
  EXPECT_EQ(rc, 0) << "the OpenAPI validator refused the document (its errors are above)";
}

} // namespace
