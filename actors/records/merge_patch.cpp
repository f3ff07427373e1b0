#include "actors/records/merge_patch.hpp"

#include <boost/json/object.hpp>

namespace gh::records {

void apply_merge_patch(boost::json::value& target, const boost::json::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object())
    target = boost::json::object{};
  auto& out = target.get_object();
  for (const auto& member : patch.get_object()) {
    if (member.value().is_null()) {
      out.erase(member.key());
      continue;
    }
    // operator[] inserts null for an absent member, which the recursion turns into `{}` when
    // the value is an object and replaces otherwise.
    apply_merge_patch(out[member.key()], member.value());
  }
}

boost::json::value merge_patch(boost::json::value target, const boost::json::value& patch) {
  apply_merge_patch(target, patch);
  return target;
}

} // namespace gh::records
