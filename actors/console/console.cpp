#include "actors/console/console.hpp"

#include "messages/json.hpp"
#include "messages/problem.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gh {

namespace {

std::string error_frame(const boost::json::value* id, std::string detail) {
  auto problem = make_problem(gh_errc::validation, std::move(detail));
  boost::json::object o;
  if (id != nullptr)
    o["id"] = *id;
  o["ok"] = false;
  o["error"] = boost::json::parse(to_json(problem));
  return boost::json::serialize(o);
}

} // namespace

std::string console_reply(std::string_view frame, std::size_t max_bytes) {
  auto parsed = parse_untrusted_json(frame, json_limits{max_bytes, 32});
  if (auto* error = std::get_if<json_error>(&parsed))
    return error_frame(nullptr, error->message);
  auto& value = std::get<boost::json::value>(parsed);
  const auto* obj = value.if_object();
  if (obj == nullptr)
    return error_frame(nullptr, "a frame must be a JSON object");
  const auto* id = obj->if_contains("id");
  if (id != nullptr && !id->is_int64() && !id->is_uint64() && !id->is_string())
    return error_frame(nullptr, "id must be a number or a string");
  return std::string{frame};
}

namespace {

console_actor::behavior_type console_impl(console_actor::pointer, std::size_t max_bytes,
                                          metrics* stats) {
  return {
      [max_bytes, stats](ws_frame& frame) {
        if (!frame.sink)
          return;
        auto reply = console_reply(frame.text, max_bytes);
        if (stats != nullptr && reply.size() != frame.text.size())
          stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
        frame.sink->push(std::move(reply));
      },
  };
}

} // namespace

console_actor spawn_console(caf::actor_system& sys, std::size_t max_frame_bytes, metrics* stats) {
  return sys.spawn(console_impl, max_frame_bytes, stats);
}

} // namespace gh
