#include "actors/console/frames.hpp"

#include "messages/decode.hpp"
#include "messages/json.hpp"

#include <boost/json/serialize.hpp>

namespace gh::console {

namespace {

constexpr std::size_t max_id_bytes = 128;
constexpr std::size_t max_cmd_bytes = 160;

frame_failure invalid(boost::json::value id, std::string detail, std::string field = {}) {
  std::vector<field_error> errors;
  if (!field.empty())
    errors.push_back({std::move(field), detail});
  return {std::move(id),
          make_problem(gh_errc::validation, std::move(detail), {}, std::move(errors))};
}

/// `{"id": id` + `middle` + `json` + `}`: the JSON texts are spliced in, not parsed again.
std::string reply_frame(const boost::json::value& id, std::string_view middle,
                        std::string_view json) {
  std::string out = R"({"id":)";
  out += boost::json::serialize(id);
  out += middle;
  out += json;
  out += '}';
  return out;
}

bool usable_id(const boost::json::value& id) {
  if (id.is_int64() || id.is_uint64() || id.is_null())
    return true;
  return id.is_string() && id.as_string().size() <= max_id_bytes &&
         decode::is_valid_utf8(id.as_string());
}

} // namespace

std::variant<console_request, frame_failure> decode_frame(std::string_view text,
                                                          std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return frame_failure{
        nullptr, problem{413,
                         "payload-too-large",
                         "Payload too large",
                         "a console frame may hold at most " + std::to_string(max_bytes) + " bytes",
                         {},
                         {}}};
  auto parsed = parse_untrusted_json(text, json_limits{max_bytes, 16});
  if (auto* error = std::get_if<json_error>(&parsed))
    return invalid(nullptr, "a frame must be a JSON object: " + error->message);
  const auto* obj = std::get<boost::json::value>(parsed).if_object();
  if (obj == nullptr)
    return invalid(nullptr, "a frame must be a JSON object");

  console_request req;
  if (const auto* id = obj->if_contains("id")) {
    if (!usable_id(*id))
      return invalid(nullptr, "id must be null, an integer or a string of at most 128 bytes", "id");
    req.id = *id;
  }
  for (const auto& [key, value] : *obj) {
    (void)value;
    if (key != "id" && key != "line" && key != "cmd" && key != "args")
      return invalid(req.id, "unknown field " + decode::echoable(key), decode::echoable(key));
  }
  const auto* line = obj->if_contains("line");
  const auto* cmd = obj->if_contains("cmd");
  const auto* args = obj->if_contains("args");
  if ((line == nullptr) == (cmd == nullptr))
    return invalid(req.id, "send either line or cmd");
  if (line != nullptr) {
    if (!line->is_string())
      return invalid(req.id, "line must be a string", "line");
    if (args != nullptr)
      return invalid(req.id, "args go with cmd, not with line", "args");
    req.typed = true;
    req.line = line->as_string();
    return req;
  }
  if (!cmd->is_string() || cmd->as_string().empty() || cmd->as_string().size() > max_cmd_bytes)
    return invalid(req.id, R"(cmd must be a command name such as "me" or "tg.chats")", "cmd");
  req.cmd = cmd->as_string();
  if (args != nullptr && !args->is_null()) {
    if (!args->is_object())
      return invalid(req.id, "args must be an object", "args");
    req.args = args->as_object();
  }
  return req;
}

std::string ok_frame(const boost::json::value& id, std::string_view result_json) {
  return reply_frame(id, R"(,"ok":true,"result":)", result_json);
}

std::string error_frame(const boost::json::value& id, std::string_view problem_json) {
  return reply_frame(id, R"(,"ok":false,"error":)", problem_json);
}

std::string error_frame(const boost::json::value& id, const problem& p) {
  return error_frame(id, to_json(p));
}

} // namespace gh::console
