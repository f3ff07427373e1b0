#include "actors/console/assets.hpp"

#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

using namespace gh;
using namespace gh::console;

namespace {

std::string header(const http_response& res, std::string_view name) {
  for (const auto& [key, value] : res.headers)
    if (key == name)
      return value;
  return {};
}

} // namespace

TEST(AssetsTest, ThePageNamesOnlyAssetsThatExistByTheirContentHash) {
  const auto page = asset_response("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  const std::regex ref{R"re((?:src|href)="([^"]*)")re"};
  int referenced = 0;
  for (std::sregex_iterator it{page->body.begin(), page->body.end(), ref}, end; it != end; ++it) {
    const auto path = (*it)[1].str();
    ASSERT_TRUE(path.starts_with("/assets/")) << path << " is not one of ours";
    auto asset = asset_response(path);
    ASSERT_TRUE(asset) << path;
    // /assets/<stem>.<first 12 hex digits of SHA-256>.<ext>
    const auto hash = crypto::sha256_hex(asset->body).substr(0, 12);
    EXPECT_NE(path.find("." + hash + "."), std::string::npos) << path;
    ++referenced;
  }
  EXPECT_GE(referenced, 5);
  EXPECT_EQ(page->body.find("{{asset:"), std::string::npos);
}

TEST(AssetsTest, ThePageHasNothingInlineAndNothingFromElsewhere) {
  const auto page = asset_response("/")->body;
  EXPECT_EQ(page.find("<style"), std::string::npos);
  EXPECT_EQ(page.find("style="), std::string::npos);
  EXPECT_EQ(std::regex_search(page, std::regex{R"(<script(?![^>]*\ssrc=))"}), false);
  EXPECT_EQ(std::regex_search(page, std::regex{R"(\son[a-z]+=)"}), false);
  for (const auto& a : embedded_assets()) {
    const std::string body{a.body};
    // No absolute URL is ever fetched: the SVG's namespace and the link pattern are not fetches.
    EXPECT_FALSE(std::regex_search(body, std::regex{R"((src|href)=["']?(https?:)?//)"})) << a.path;
    EXPECT_EQ(body.find("@import"), std::string::npos) << a.path;
    EXPECT_FALSE(std::regex_search(body, std::regex{R"(url\(\s*["']?(https?:)?//)"})) << a.path;
  }
}

TEST(AssetsTest, HashedAssetsAreImmutableAndThePageIsRevalidated) {
  const auto page = asset_response("/");
  EXPECT_EQ(header(*page, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(*page, "Content-Security-Policy"), page_policy);
  EXPECT_EQ(page_policy.find("unsafe-inline"), std::string_view::npos);
  EXPECT_EQ(asset_response("/reset-password")->body, page->body);
  for (const auto& a : embedded_assets()) {
    if (a.path == "/")
      continue;
    const auto res = asset_response(a.path);
    ASSERT_TRUE(res);
    EXPECT_EQ(header(*res, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_TRUE(a.immutable);
  }
  EXPECT_FALSE(asset_response("/assets/console.js"));
  EXPECT_FALSE(asset_response("/assets/../index.html"));
  EXPECT_FALSE(asset_response("/index.html"));
}
