// A listing's query string (`limit`, `cursor`, `filter`), a filter's JSON and an `If-Match`
// header are bytes from outside: decoding them never crashes, and what is accepted keeps the
// promises the records actor relies on (a filter that is a bounded, storable JSON object bound
// only as a parameter; cursors that round-trip; limits in range).
#include "actors/records/documents.hpp"
#include "actors/records/requests.hpp"
#include "tests/fuzz/check.hpp"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using gh::fuzz::check;

namespace {

/// A compiled filter: a JSON object PostgreSQL's jsonb can hold, within the filter's limits.
void check_filter(const std::string& filter) {
  namespace records = gh::records;
  boost::json::parse_options deep;
  deep.max_depth = 64;
  const auto v = boost::json::parse(filter, {}, deep);
  check(v.is_object());
  check(!records::storable_problem(v, records::max_filter_depth));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace records = gh::records;
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  auto listing = records::decode_list_query(text);
  if (auto* q = std::get_if<records::list_query>(&listing)) {
    check(q->limit >= 1 && q->limit <= records::max_page);
    if (!q->filter.empty())
      check_filter(q->filter);
    if (q->after) {
      auto again = records::decode_cursor(records::encode_cursor(*q->after));
      check(again && again->created_us == q->after->created_us && again->id == q->after->id);
    }
  } else {
    check(!std::get<records::refusal>(listing).errors.empty());
  }

  auto filter = records::compile_filter(text);
  if (auto* compiled = std::get_if<std::string>(&filter)) {
    check_filter(*compiled);
    // Compiling is a fixed point: the compiled text compiles to itself.
    auto again = records::compile_filter(*compiled);
    check(std::holds_alternative<std::string>(again) && std::get<std::string>(again) == *compiled);
  }

  (void)records::decode_cursor(text);
  auto condition = records::decode_if_match(text);
  if (auto* c = std::get_if<records::if_match>(&condition))
    for (const auto v : c->versions)
      check(v >= 1 && c->holds(v));
  (void)records::is_collection_name(text);
  return 0;
}
