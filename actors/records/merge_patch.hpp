#pragma once

#include <boost/json/value.hpp>

/// JSON Merge Patch (RFC 7396), the way `PATCH` changes a record's data.
namespace gh::records {

/// Applies `patch` to `target` in place, as RFC 7396 section 2 defines it: an object patch
/// merges member by member (a `null` member removes that member, an absent or non-object
/// target becomes `{}` first); any other patch replaces the target. Recursion follows the
/// patch's nesting, which the caller bounds.
void apply_merge_patch(boost::json::value& target, const boost::json::value& patch);

/// `target` with `patch` applied (see `apply_merge_patch`).
boost::json::value merge_patch(boost::json::value target, const boost::json::value& patch);

} // namespace gh::records
