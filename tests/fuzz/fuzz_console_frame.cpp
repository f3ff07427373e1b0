// Console frames are untrusted bytes from any signed-in WebSocket client: the decoder, the line
// parser and the command registry either run a command with arguments that fit its grammar or
// refuse the frame with a problem, and every reply they build is a JSON object echoing a usable
// id.
#include "actors/console/command_registry.hpp"
#include "actors/console/frames.hpp"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

const gh::console::command_registry& registry() {
  static const auto r = [] {
    gh::console::command_registry c;
    const auto noop = [](gh::command_call&&) {};
    c.add({"me", {}, "", noop});
    c.add({"checkout", {{"plan", gh::arg_kind::word, true, 0, 0}}, "", noop});
    c.add({"tg.chats", {{"n", gh::arg_kind::integer, false, 1, 100}}, "", noop});
    c.add({"tg.send",
           {{"chat", gh::arg_kind::word, true, 0, 0}, {"text", gh::arg_kind::rest, true, 0, 0}},
           "",
           noop});
    return c;
  }();
  return r;
}

void check_reply(const std::string& frame) {
  boost::system::error_code ec;
  auto v = boost::json::parse(frame, ec);
  if (ec || !v.is_object() || !v.as_object().contains("id") || !v.as_object().contains("ok"))
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  auto decoded = gh::console::decode_frame(text, 16 * 1024);
  if (auto* failed = std::get_if<gh::console::frame_failure>(&decoded)) {
    if (failed->why.status != 400 && failed->why.status != 413)
      std::abort();
    check_reply(gh::console::error_frame(failed->id, failed->why));
    return 0;
  }
  auto& req = std::get<gh::console::console_request>(decoded);
  auto resolved =
      req.typed ? registry().resolve_line(req.line) : registry().resolve_call(req.cmd, req.args);
  if (auto* bad = std::get_if<gh::console::command_error>(&resolved)) {
    if (bad->detail.empty())
      std::abort();
    check_reply(gh::console::error_frame(
        req.id, gh::make_problem(gh::gh_errc::validation, bad->detail, {}, bad->errors)));
    return 0;
  }
  // A resolved command's arguments are exactly its grammar's, typed and bounded.
  const auto& found = std::get<gh::console::resolved_command>(resolved);
  for (const auto& [key, value] : found.args) {
    const gh::command_arg* arg = nullptr;
    for (const auto& a : found.spec->args)
      if (a.name == std::string_view{key})
        arg = &a;
    if (arg == nullptr)
      std::abort();
    if (arg->kind == gh::arg_kind::integer &&
        (!value.is_int64() || value.as_int64() < arg->min || value.as_int64() > arg->max))
      std::abort();
    if (arg->kind != gh::arg_kind::integer && !value.is_string())
      std::abort();
  }
  check_reply(gh::console::ok_frame(req.id, "null"));
  return 0;
}
