#include "actors/console/assets.hpp"

#include "crypto/crypto.hpp"
#include "tests/support/text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

using namespace gh;
using namespace gh::console;

namespace {

/// True when an `<script` tag in `html` has no `src` attribute: an inline script.
bool has_inline_script(std::string_view html) {
  for (auto at = html.find("<script"); at != std::string_view::npos;
       at = html.find("<script", at + 1)) {
    const auto tag = html.substr(at, html.find('>', at) - at);
    if (tag.find(" src=") == std::string_view::npos)
      return true;
  }
  return false;
}

/// True for an event-handler attribute such as ` onclick=`.
bool has_event_handler(std::string_view html) {
  for (auto at = html.find("on"); at != std::string_view::npos; at = html.find("on", at + 1)) {
    if (at == 0 || std::isspace(static_cast<unsigned char>(html[at - 1])) == 0)
      continue;
    auto end = at + 2;
    while (end < html.size() && html[end] >= 'a' && html[end] <= 'z')
      ++end;
    if (end > at + 2 && end < html.size() && html[end] == '=')
      return true;
  }
  return false;
}

/// True when one of `prefixes` (like `src=` or `url(`) is followed, after optional spaces and
/// quote and an optional `http:`/`https:`, by `//`: an absolute URL that would be fetched.
bool fetches_elsewhere(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  for (auto prefix : prefixes)
    for (auto at = text.find(prefix); at != std::string_view::npos;
         at = text.find(prefix, at + 1)) {
      auto rest = text.substr(at + prefix.size());
      while (!rest.empty() && (rest.front() == ' ' || rest.front() == '"' || rest.front() == '\''))
        rest.remove_prefix(1);
      for (std::string_view scheme : {"https:", "http:"})
        if (rest.starts_with(scheme)) {
          rest.remove_prefix(scheme.size());
          break;
        }
      if (rest.starts_with("//"))
        return true;
    }
  return false;
}

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
  int referenced = 0;
  for (const auto& path : gh::test::attribute_values(page->body, {"src", "href"})) {
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
  EXPECT_FALSE(has_inline_script(page));
  EXPECT_FALSE(has_event_handler(page));
  for (const auto& a : embedded_assets()) {
    const std::string body{a.body};
    // No absolute URL is ever fetched: the SVG's namespace and the link pattern are not fetches.
    EXPECT_FALSE(fetches_elsewhere(body, {"src=", "href="})) << a.path;
    EXPECT_EQ(body.find("@import"), std::string::npos) << a.path;
    EXPECT_FALSE(fetches_elsewhere(body, {"url("})) << a.path;
  }
}

TEST(AssetsTest, TheShapeChecksCatchWhatTheyLookFor) {
  EXPECT_TRUE(has_inline_script(R"(<script src="/a.js"></script><script>alert(1)</script>)"));
  EXPECT_FALSE(has_inline_script(R"(<script type="module" src="/a.js"></script>)"));
  EXPECT_TRUE(has_event_handler(R"html(<img src="/x.png" onerror="x()">)html"));
  EXPECT_FALSE(has_event_handler(R"(<p class="one">on=</p>)"));
  EXPECT_TRUE(fetches_elsewhere(R"(<img src="https://cdn.example/x.png">)", {"src="}));
  EXPECT_TRUE(fetches_elsewhere(R"(a{background:url( '//cdn.example/x.png')})", {"url("}));
  EXPECT_FALSE(fetches_elsewhere(R"(<a href="/docs">)", {"href="}));
  EXPECT_EQ(
      gh::test::attribute_values(R"(<a data-src="x" href="/b"><img src="/c">)", {"src", "href"}),
      (std::vector<std::string>{"/b", "/c"}));
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

TEST(AssetsTest, ThePageLinksEveryConfiguredProviderOnce) {
  std::string_view page;
  for (const auto& a : embedded_assets())
    if (a.path == "/")
      page = a.body;
  ASSERT_NE(page.find(providers_marker), std::string_view::npos);

  const auto plain = render_page(page, {});
  EXPECT_EQ(plain.find(providers_marker), std::string::npos);
  EXPECT_EQ(plain.find("/api/v1/auth/oidc/"), std::string::npos);
  EXPECT_EQ(asset_response("/")->body, plain);

  const auto both = render_page(page, {"alpha", "beta"});
  EXPECT_EQ(both.find(providers_marker), std::string::npos);
  const auto links = gh::test::attribute_values(both, {"href"});
  EXPECT_EQ(std::count(links.begin(), links.end(), "/api/v1/auth/oidc/alpha/login?redirect=/"), 1);
  EXPECT_EQ(std::count(links.begin(), links.end(), "/api/v1/auth/oidc/beta/login?redirect=/"), 1);
  EXPECT_NE(both.find(">Continue with alpha</a>"), std::string::npos);
  EXPECT_NE(both.find(">Continue with beta</a>"), std::string::npos);
  EXPECT_FALSE(has_inline_script(both));
  EXPECT_FALSE(has_event_handler(both));
  EXPECT_EQ(both.find("style="), std::string::npos);

  // Served as rendered, still revalidated on every load and under the same policy.
  const auto res = asset_response("/", both);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, both);
  EXPECT_EQ(header(*res, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(*res, "Content-Security-Policy"), page_policy);
  EXPECT_EQ(asset_response("/reset-password", both)->body, both);
  for (const auto& a : embedded_assets()) {
    if (a.path != "/") {
      EXPECT_EQ(asset_response(a.path, both)->body, a.body) << a.path;
    }
  }
}

TEST(AssetsTest, ProviderNamesAreEscapedInThePage) {
  // Configuration only allows [a-z0-9_-] names; the page escapes whatever it is given anyway.
  const auto page = render_page("<p>{{oidc-providers}}</p>", {R"(x"><script>alert('1')&)"});
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("x&quot;&gt;&lt;script&gt;alert(&#39;1&#39;)&amp;"), std::string::npos);
  EXPECT_EQ(render_page("<p>no marker</p>", {"alpha"}), "<p>no marker</p>");
}
