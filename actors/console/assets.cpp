#include "actors/console/assets.hpp"

#include "messages/html.hpp"
#include "messages/type_ids.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <memory>

namespace gh::console {

namespace {

const web_asset* find_asset(std::string_view path) {
  if (path == "/reset-password")
    path = "/";
  for (const auto& a : embedded_assets())
    if (a.path == path)
      return &a;
  return nullptr;
}

std::string_view embedded_page() {
  const auto* page = find_asset("/");
  return page == nullptr ? std::string_view{} : page->body;
}

} // namespace

std::string render_page(std::string_view page, const std::vector<std::string>& providers) {
  std::string links;
  if (!providers.empty()) {
    links = "<div class=\"federation\">\n      <p class=\"or\">or</p>\n      <ul>\n";
    for (const auto& name : providers) {
      links += "        <li><a href=\"/api/v1/auth/oidc/";
      append_html_escaped(links, name);
      links += "/login?redirect=/\">Continue with ";
      append_html_escaped(links, name);
      links += "</a></li>\n";
    }
    links += "      </ul>\n    </div>";
  }
  std::string out{page};
  if (const auto at = out.find(providers_marker); at != std::string::npos)
    out.replace(at, providers_marker.size(), links);
  return out;
}

std::optional<http_response> asset_response(std::string_view path, std::string_view page) {
  const auto* asset = find_asset(path);
  if (asset == nullptr)
    return std::nullopt;
  http_response res{200,
                    std::string{asset->content_type},
                    std::string{asset->path == "/" ? page : asset->body},
                    {}};
  res.headers.emplace_back("Cache-Control",
                           asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.headers.emplace_back("Content-Security-Policy", std::string{page_policy});
  return res;
}

std::optional<http_response> asset_response(std::string_view path) {
  static const std::string page = render_page(embedded_page(), {});
  return asset_response(path, page);
}

namespace {

// Takes the page as an argument (CAF 0.17 also trips UBSan when a function-based actor is
// spawned without one: cmake/sanitizers.cmake).
http_handler_actor::behavior_type assets_impl(http_handler_actor::pointer /*self*/,
                                              std::shared_ptr<const std::string> page) {
  return {[page](http_request& req) {
    if (auto res = asset_response(req.path, *page))
      req.reply->respond(std::move(*res));
    else
      req.reply->fail(gh_errc::not_found, "no such file");
  }};
}

} // namespace

http_handler_actor spawn_assets(caf::actor_system& sys, const std::vector<std::string>& providers) {
  return sys.spawn(assets_impl,
                   std::make_shared<const std::string>(render_page(embedded_page(), providers)));
}

} // namespace gh::console
