#pragma once

#include "messages/gh_errc.hpp"
#include "messages/http.hpp"

#include <boost/json/object.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// Console commands as capabilities register them (`app::add_command`): a name, an argument
/// grammar, help text and a handler that sends a typed message to the actor owning the command.
/// The console (`actors/console/`) parses lines and frames, checks arguments against the grammar,
/// applies its limits and calls the handler; nothing here knows how.
namespace gh {

/// Headers a command's answer carries to REST callers (the `Set-Cookie` of `/logout`).
using command_headers = std::vector<std::pair<std::string, std::string>>;

/// How one positional argument of a command line is read.
enum class arg_kind : uint8_t {
  word,    ///< One word (quotes group words: `"Alice Smith"`); a JSON string in `args`.
  integer, ///< A decimal integer within [`min`, `max`]; a JSON number in `args`.
  rest,    ///< Every remaining word, joined by single spaces; last only; a JSON string.
};

/// One argument of a command: positional in a line (`/checkout pro`), named in a frame's `args`
/// (`{"plan": "pro"}`).
struct command_arg {
  std::string name;
  arg_kind kind = arg_kind::word;
  bool required = true;
  int64_t min = 0; ///< for `integer`
  int64_t max = 0; ///< for `integer`
};

/// Where a command's answer goes. Exactly one answer counts; one destroyed unanswered answers
/// 500 `internal`, so a dropped message never leaves a caller waiting. Any thread may answer.
class command_reply {
public:
  virtual ~command_reply() = default;

  /// Answers with `json` (a JSON text) as the result; `headers` reach REST callers only.
  virtual void result(std::string json, command_headers headers = {}) = 0;

  /// Answers with the RFC 9457 problem document `problem_json`.
  virtual void problem(std::string problem_json) = 0;

  /// Answers with the problem of `code`.
  void fail(gh_errc code, std::string detail, std::vector<field_error> errors = {});
};

/// One call of a command: its checked arguments and who is calling.
struct command_call {
  std::string name;
  boost::json::object args; ///< the grammar's arguments, named, typed and bounded as declared
  principal who;
  std::string request_id;
  std::string remote_ip;
  std::shared_ptr<command_reply> reply;
};

/// Runs a command: called on the console's actor, it must not block; it sends a message to the
/// actor that owns the command, which answers through `call.reply`.
using command_handler = std::function<void(command_call&& call)>;

/// A command as a capability registers it.
struct command_spec {
  /// Its words without the slash joined by dots (API.md): `me`, `tg.chats` for `/tg chats`.
  std::string name;
  std::vector<command_arg> args;
  /// One line for `/help`.
  std::string help;
  command_handler handler;
};

/// A request a command makes of a route's actor on the caller's behalf.
struct route_call {
  std::string method;
  std::string route; ///< the route's template, as the actor dispatches on it
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
  std::string body; ///< JSON text, or empty
};

/// Sends `rc` to `handler` as an `http_request` of `caller` (its principal, request id and
/// address) and calls `next` with the answer, on whichever thread the actor answers (a failure
/// arrives as its problem response). This reuses a capability's REST handler for a command.
void ask_route(const http_handler_actor& handler, route_call rc, const command_call& caller,
               std::function<void(http_response)> next);

/// Answers `reply` with `res`: a 2xx body as the result (`null` when empty, its `Set-Cookie`
/// headers kept), anything else as its problem.
void answer_from(command_reply& reply, http_response res);

/// A handler that asks `handler` with the `route_call` that `make` builds from the call, and
/// answers with what the route answers.
command_handler via_route(http_handler_actor handler,
                          std::function<route_call(const command_call&)> make);

/// `via_route` for a fixed request without a body.
command_handler via_route(http_handler_actor handler, std::string method, std::string route);

// --- commands for an actor owned by another instance (actors/registry.hpp) -------------------

/// A command reply on the owning instance whose answer becomes text for `send`:
/// `{"result": json}` or `{"problem": json}`; destroyed unanswered, it sends the `internal`
/// problem.
std::shared_ptr<command_reply> reply_as_text(std::function<void(std::string)> send);

/// Answers `reply` with what `reply_as_text` sent on the owner; no text (the owner did not
/// answer) or a malformed one answers `provider_unavailable`.
void answer_from_text(command_reply& reply, const caf::expected<std::string>& text);

} // namespace gh
