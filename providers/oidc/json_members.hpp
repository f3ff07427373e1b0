#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace gh::oidc {

/// Reads the optional string member `key` of `obj` into `out`: absent is fine (`out` untouched),
/// present with any other type is false. What a JWK's, a JOSE header's or a claim set's optional
/// text members all need.
inline bool optional_string(const boost::json::object& obj, std::string_view key,
                            std::string& out) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr)
    return true;
  if (!v->is_string())
    return false;
  out = std::string{v->get_string()};
  return true;
}

} // namespace gh::oidc
