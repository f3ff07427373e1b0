#include "actors/ops_requests.hpp"

#include "messages/decode.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>

namespace gh::ops_requests {

namespace {

/// The body as an object of the `allowed` fields (an empty or blank body is `{}`), or the
/// refusal.
std::variant<boost::json::object, refusal>
body_object(std::string_view body, std::initializer_list<std::string_view> allowed) {
  if (body.size() > max_body)
    return refusal{400, "the request is larger than " + std::to_string(max_body) + " bytes", {}};
  if (std::all_of(body.begin(), body.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }))
    return boost::json::object{};
  auto decoded = decode::object_of(body, allowed);
  if (auto* errors = std::get_if<decode::field_errors>(&decoded)) {
    const bool whole = errors->size() == 1 && errors->front().field == "body";
    return refusal{400,
                   whole ? "malformed request: " + errors->front().message
                         : std::string{"the request has unknown fields"},
                   whole ? std::vector<field_error>{} : std::move(*errors)};
  }
  return std::move(std::get<boost::json::object>(decoded));
}

/// The integer `field` of `o` in `[min, max]`: nullopt and an entry in `errors` when it is
/// there but not such an integer; `fallback` when it is absent.
std::optional<int64_t> integer_in(const boost::json::object& o, std::string_view field, int64_t min,
                                  int64_t max, int64_t fallback, std::vector<field_error>& errors) {
  const auto* v = o.if_contains(field);
  if (v == nullptr)
    return fallback;
  const auto range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::optional<int64_t> n;
  if (v->is_int64())
    n = v->get_int64();
  else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(max))
    n = static_cast<int64_t>(v->get_uint64());
  if (!n || *n < min || *n > max) {
    errors.push_back({std::string{field}, "must be " + range});
    return std::nullopt;
  }
  return n;
}

refusal invalid_request(std::vector<field_error> errors) {
  return refusal{400, "invalid request: " + errors.front().field + " " + errors.front().message,
                 std::move(errors)};
}

} // namespace

std::variant<drain_request, refusal> decode_drain(std::string_view body) {
  auto parsed = body_object(body, {"idle_seconds"});
  if (auto* r = std::get_if<refusal>(&parsed))
    return std::move(*r);
  const auto& o = std::get<boost::json::object>(parsed);
  std::vector<field_error> errors;
  const auto idle = integer_in(o, "idle_seconds", 1, 3600, 10, errors);
  if (!idle)
    return invalid_request(std::move(errors));
  return drain_request{std::chrono::seconds{*idle}};
}

std::variant<dlq_replay_request, refusal> decode_dlq_replay(std::string_view body) {
  auto parsed = body_object(body, {"id", "all", "limit"});
  if (auto* r = std::get_if<refusal>(&parsed))
    return std::move(*r);
  const auto& o = std::get<boost::json::object>(parsed);
  std::vector<field_error> errors;
  dlq_replay_request out;
  // JetStream sequences are unsigned 64-bit; int64's range is far beyond any stream.
  const auto id = integer_in(o, "id", 1, INT64_MAX, 0, errors);
  bool all = false;
  if (const auto* v = o.if_contains("all")) {
    if (!v->is_bool())
      errors.push_back({"all", "must be true or false"});
    else
      all = v->get_bool();
  }
  const auto limit = integer_in(o, "limit", 1, 1000, 1000, errors);
  if (!errors.empty())
    return invalid_request(std::move(errors));
  const bool has_id = o.contains("id");
  if (has_id && all)
    return invalid_request({{"id", "and all: true exclude each other"}});
  if (!has_id && !all)
    return invalid_request({{"id", "is required (a dead letter's sequence), or all: true"}});
  if (o.contains("limit") && !all)
    return invalid_request({{"limit", "applies only with all: true"}});
  out.id = has_id ? static_cast<uint64_t>(*id) : 0;
  out.all = all;
  out.limit = static_cast<std::size_t>(*limit);
  return out;
}

std::variant<reconcile_request, refusal> decode_reconcile(std::string_view body) {
  auto parsed = body_object(body, {"days"});
  if (auto* r = std::get_if<refusal>(&parsed))
    return std::move(*r);
  const auto& o = std::get<boost::json::object>(parsed);
  std::vector<field_error> errors;
  const auto days = integer_in(o, "days", 1, 30, 3, errors);
  if (!days)
    return invalid_request(std::move(errors));
  return reconcile_request{static_cast<int>(*days)};
}

nats::endpoint_reply error_reply(const refusal& r) {
  boost::json::array fields;
  for (const auto& f : r.fields)
    fields.push_back(boost::json::object{{"field", f.field}, {"message", f.message}});
  boost::json::object error{
      {"code", r.code}, {"description", r.description}, {"fields", std::move(fields)}};
  return nats::endpoint_reply{boost::json::serialize(boost::json::object{{"error", error}}), r.code,
                              r.description};
}

} // namespace gh::ops_requests
