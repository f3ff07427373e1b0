#pragma once

#include "messages/gh_errc.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh {

/// One field-level problem inside a `validation` error (`errors[]` in the problem body).
struct field_error {
  std::string field;
  std::string message;
};

/// An HTTP response produced by a handler actor.
struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Extra headers; the gateway adds request id, security headers and framing itself.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// The way back to the connection a request came from.
///
/// Implementations post onto the connection's strand, so any thread may call them. Exactly one
/// of `respond` and `fail` takes effect; a responder destroyed without either answers 500, so a
/// request whose message is dropped never hangs.
class responder {
public:
  virtual ~responder() = default;

  /// Sends `res` to the client.
  virtual void respond(http_response res) = 0;

  /// Sends the RFC 9457 problem for `code` with `detail` and optional field errors.
  virtual void fail(gh_errc code, std::string detail, std::vector<field_error> errors = {}) = 0;
};

/// Who is calling, as the gateway established it before the request reached an actor.
struct principal {
  enum class kind : uint8_t {
    anonymous, ///< No credentials, or none the route needs.
    user,      ///< A verified access token (bearer or session cookie).
    api_key,   ///< `Authorization: ApiKey ...`; the admin actor verifies the key itself.
  };
  kind type = kind::anonymous;
  std::string user_id;
  std::string tenant_id;
  std::string session_id; ///< the refresh family the access token belongs to
  std::string token_id;   ///< the access token's `jti`
  int64_t expires_at = 0; ///< the access token's `exp` (Unix seconds)
  bool via_cookie = false;
  std::string api_key; ///< the presented key, for `api_key` only

  bool is_user() const noexcept { return type == kind::user; }
};

/// A request as handler actors see it: owned strings, no Beast types.
struct http_request {
  std::string method;
  /// The matched route template (`/api/v1/users/{id}`), for dispatch and metrics.
  std::string route;
  std::string path;
  std::string query;
  /// Header names in lower case, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string request_id;
  std::string remote_ip;
  /// Values of the `{name}` segments of the matched route.
  std::vector<std::pair<std::string, std::string>> params;
  principal auth;
  std::shared_ptr<responder> reply;

  /// The first header called `name` (lower case), or nullptr.
  const std::string* header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (key == name)
        return &value;
    return nullptr;
  }

  /// The route parameter `name`, or an empty view.
  std::string_view param(std::string_view name) const {
    for (const auto& [key, value] : params)
      if (key == name)
        return value;
    return {};
  }
};

/// How a route treats the request body.
enum class body_kind {
  none, ///< The body is ignored.
  json, ///< `Content-Type: application/json` required (415) and well-formed JSON (400).
};

/// What a route needs to know about the caller.
enum class auth_policy {
  none,     ///< Credentials are not looked at (a bad token is ignored).
  optional, ///< A valid token identifies the caller; none or a bad one means anonymous.
  user,     ///< A valid access token is required (401 otherwise).
};

/// Every actor that serves routes speaks this interface.
using http_handler_actor = caf::typed_actor<caf::reacts_to<http_request>>;

/// What a route's inline handler sees of a request: views into the parsed request, valid only
/// during the call.
struct inline_request {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  const principal& who;
};

/// Answers a request on the io thread that read it, without a hop to the route's actor: for
/// what needs no I/O and no per-user state (a health answer, a cached read). Nothing means "ask
/// the actor". It must not block and must be thread-safe: every io thread calls it.
using inline_handler = std::function<std::optional<http_response>(const inline_request&)>;

/// One entry of the route table: what a capability registers (`app::add_route`) and the
/// router matches.
struct route {
  std::string method;
  std::string pattern; ///< `/api/v1/files/{id}`: `{name}` matches one non-empty segment.
  http_handler_actor handler;
  body_kind body = body_kind::none;
  std::size_t metrics_slot = 0;
  auth_policy auth = auth_policy::none;
  inline_handler fast = {}; ///< Tried first, on the io thread; may be empty.
};

} // namespace gh

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gh::http_request)
