// A record's body and its merge patches are bytes from outside. The input is split at its first
// newline into a record's data and a patch; both are parsed as untrusted JSON, the patch is
// applied, and the result keeps RFC 7396's promises: a non-object patch replaces the target; an
// object patch leaves an object in which every `null` member of the patch is gone, every other
// member holds the patch's value (or, for an object, an object), every member the patch does not
// name is untouched, and applying the same patch again changes nothing. The body decoders never
// crash, and what they accept stays within the record limits.
#include "actors/records/documents.hpp"
#include "actors/records/merge_patch.hpp"
#include "actors/records/requests.hpp"
#include "messages/json.hpp"
#include "tests/fuzz/check.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using gh::fuzz::check;

namespace {

namespace json = boost::json;

void check_merge(const json::value& target, const json::value& patch, const json::value& out) {
  if (!patch.is_object()) {
    check(out == patch);
    return;
  }
  check(out.is_object());
  const auto& result = out.get_object();
  for (const auto& member : patch.get_object()) {
    const auto* now = result.if_contains(member.key());
    if (member.value().is_null())
      check(now == nullptr);
    else if (member.value().is_object())
      check(now != nullptr && now->is_object());
    else
      check(now != nullptr && *now == member.value());
  }
  if (target.is_object())
    for (const auto& member : target.get_object())
      if (!patch.get_object().contains(member.key()))
        check(result.contains(member.key()) && result.at(member.key()) == member.value());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace records = gh::records;
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  if (auto body = records::decode_new_record(text); std::holds_alternative<std::string>(body)) {
    const auto& stored = std::get<std::string>(body);
    check(stored.size() <= records::max_data_bytes && stored.front() == '{');
  }
  if (auto patch = records::decode_patch(text); std::holds_alternative<json::value>(patch))
    check(std::get<json::value>(patch).is_object());

  const auto newline = text.find('\n');
  if (newline == std::string_view::npos)
    return 0;
  const gh::json_limits limits{std::size_t{64} * 1024, 40};
  auto target = gh::parse_untrusted_json(text.substr(0, newline), limits);
  auto patch = gh::parse_untrusted_json(text.substr(newline + 1), limits);
  if (!std::holds_alternative<json::value>(target) || !std::holds_alternative<json::value>(patch))
    return 0;
  const auto& t = std::get<json::value>(target);
  const auto& p = std::get<json::value>(patch);
  const auto once = records::merge_patch(t, p);
  check_merge(t, p, once);
  check(records::merge_patch(once, p) == once);
  (void)records::encode_data(once);
  return 0;
}
