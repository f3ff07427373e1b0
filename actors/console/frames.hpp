#pragma once

#include "messages/problem.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace gh::console {

/// Bytes one console frame (or REST body) may hold; a larger one is answered 413.
inline constexpr std::size_t frame_limit = 64 * 1024;

/// A client's request, decoded from a frame `{"id", "line"}` or `{"id", "cmd", "args"}` (or the
/// body of `POST /api/v1/console`).
struct console_request {
  /// `null`, an integer or a string of at most 128 bytes: echoed in the reply.
  boost::json::value id;
  bool typed = false; ///< `line` holds a typed line; otherwise `cmd` and `args`
  std::string line;
  std::string cmd;
  boost::json::object args;
};

/// A frame that cannot be run, with the id it carried when one could be read.
struct frame_failure {
  boost::json::value id;
  problem why;
};

/// Decodes an untrusted frame. Anything but a JSON object of `id`, and `line` or else `cmd`
/// with an optional object `args` (nothing else, no repeated names) fails with a 400
/// `validation` problem (413 past `max_bytes`), keeping the id when it was well-formed.
std::variant<console_request, frame_failure> decode_frame(std::string_view text,
                                                          std::size_t max_bytes = frame_limit);

/// `{"id": id, "ok": true, "result": result_json}`; `result_json` must be a JSON text.
std::string ok_frame(const boost::json::value& id, std::string_view result_json);

/// `{"id": id, "ok": false, "error": problem_json}`; `problem_json` must be a JSON object text.
std::string error_frame(const boost::json::value& id, std::string_view problem_json);

/// `error_frame` of `p`.
std::string error_frame(const boost::json::value& id, const problem& p);

} // namespace gh::console
