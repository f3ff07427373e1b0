#include "actors/console/assets.hpp"

#include "messages/type_ids.hpp"

#include <caf/typed_event_based_actor.hpp>

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

} // namespace

std::optional<http_response> asset_response(std::string_view path) {
  const auto* asset = find_asset(path);
  if (asset == nullptr)
    return std::nullopt;
  http_response res{200, std::string{asset->content_type}, std::string{asset->body}, {}};
  res.headers.emplace_back("Cache-Control",
                           asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.headers.emplace_back("Content-Security-Policy", std::string{page_policy});
  return res;
}

namespace {

// Takes the table as an argument: CAF 0.17 trips UBSan when a function-based actor is spawned
// without one (cmake/sanitizers.cmake).
http_handler_actor::behavior_type assets_impl(http_handler_actor::pointer /*self*/,
                                              const std::vector<web_asset>* /*table*/) {
  return {[](http_request& req) {
    if (auto res = asset_response(req.path))
      req.reply->respond(std::move(*res));
    else
      req.reply->fail(gh_errc::not_found, "no such file");
  }};
}

} // namespace

http_handler_actor spawn_assets(caf::actor_system& sys) {
  return sys.spawn(assets_impl, &embedded_assets());
}

} // namespace gh::console
