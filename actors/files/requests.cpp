#include "actors/files/requests.hpp"

#include "actors/files/filenames.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cctype>

namespace gh::files {

namespace json = boost::json;

namespace {

constexpr std::size_t max_media_type_bytes = 255;
/// The largest size JSON numbers carry exactly (2^53).
constexpr int64_t max_size = int64_t{1} << 53;

bool is_token(std::string_view t) {
  return !t.empty() && std::ranges::all_of(t, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
  });
}

std::string_view trim(std::string_view t) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
    t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
    t.remove_suffix(1);
  return t;
}

void read_filename(const json::object& o, upload_request& r, field_errors& errors) {
  const auto* v = o.if_contains("filename");
  if (v == nullptr || v->is_null()) {
    errors.push_back({"filename", "is required"});
  } else if (!v->is_string()) {
    errors.push_back({"filename", "must be a string"});
  } else if (v->as_string().size() > 4 * max_filename_bytes) {
    errors.push_back({"filename", "is too long"});
  } else if (!decode::is_valid_utf8(v->as_string())) {
    errors.push_back({"filename", "must be UTF-8"});
  } else {
    r.filename = sanitize_filename(v->as_string());
    if (r.filename.empty())
      errors.push_back({"filename", "has nothing usable once separators and controls are gone"});
  }
}

void read_content_type(const json::object& o, upload_request& r, field_errors& errors) {
  const auto* v = o.if_contains("content_type");
  if (v == nullptr || v->is_null()) {
    errors.push_back({"content_type", "is required"});
  } else if (!v->is_string() || media_type(v->as_string()).empty()) {
    errors.push_back({"content_type", "must be a media type such as image/png"});
  } else {
    const std::string_view text = trim(v->as_string());
    const auto slash_semi = text.find(';');
    auto type = media_type(text);
    r.content_type =
        slash_semi == std::string_view::npos ? type : type + std::string{text.substr(slash_semi)};
  }
}

void read_size(const json::object& o, upload_request& r, field_errors& errors) {
  const auto* v = o.if_contains("size");
  if (v == nullptr || v->is_null()) {
    errors.push_back({"size", "is required"});
    return;
  }
  std::optional<int64_t> size;
  if (v->is_int64())
    size = v->as_int64();
  else if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(max_size))
    size = static_cast<int64_t>(v->as_uint64());
  if (!size || *size < 0 || *size > max_size)
    errors.push_back({"size", "must be a whole number of bytes from 0 to 2^53"});
  else
    r.size = *size;
}

void read_sha256(const json::object& o, upload_request& r, field_errors& errors) {
  const auto* v = o.if_contains("sha256");
  if (v == nullptr || v->is_null())
    return;
  bool ok = v->is_string() && v->as_string().size() == 64;
  if (ok)
    for (const char c : v->as_string())
      ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok)
    errors.push_back({"sha256", "must be 64 lower-case hex digits"});
  else
    r.sha256 = std::string{v->as_string()};
}

} // namespace

decoded<upload_request> decode_upload(std::string_view body) {
  auto parsed = decode::object_of(body, {"filename", "content_type", "size", "sha256"});
  if (auto* errs = std::get_if<field_errors>(&parsed))
    return std::move(*errs);
  const auto& o = std::get<json::object>(parsed);
  field_errors errors;
  upload_request r;
  read_filename(o, r, errors);
  read_content_type(o, r, errors);
  read_size(o, r, errors);
  read_sha256(o, r, errors);
  if (!errors.empty())
    return errors;
  return r;
}

std::string media_type(std::string_view text) {
  text = trim(text);
  if (text.size() > max_media_type_bytes)
    return {};
  const auto semi = text.find(';');
  const auto essence = trim(text.substr(0, semi));
  const auto slash = essence.find('/');
  if (slash == std::string_view::npos || !is_token(essence.substr(0, slash)) ||
      !is_token(essence.substr(slash + 1)))
    return {};
  // Parameters: `; name=value`, each a token or a quoted string without quotes or controls
  // inside (they travel in a signed header).
  auto rest = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const auto param = trim(rest.substr(0, next));
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !is_token(param.substr(0, eq)))
      return {};
    auto value = param.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      for (const char c : value.substr(1, value.size() - 2))
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          return {};
    } else if (!is_token(value)) {
      return {};
    }
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
  }
  std::string out{essence};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool type_allowed(std::string_view type, const std::vector<std::string>& allowed) {
  if (allowed.empty())
    return true;
  const auto slash = type.find('/');
  return std::ranges::any_of(allowed, [type, slash](const std::string& a) {
    return a == type || (a.ends_with("/*") && slash != std::string_view::npos &&
                         a.substr(0, a.size() - 1) == type.substr(0, slash + 1));
  });
}

std::string encode_cursor(const file_cursor& c) {
  return encode_keyset_cursor("f1.", c);
}

std::optional<file_cursor> decode_cursor(std::string_view text) {
  return decode_keyset_cursor("f1.", text, 128);
}

decoded<list_query> decode_list_query(std::string_view query, bool with_user) {
  field_errors errors;
  const auto params = with_user
                          ? decode::query_params(query, {"cursor", "limit", "user_id"}, errors)
                          : decode::query_params(query, {"cursor", "limit"}, errors);
  list_query q;
  if (auto it = params.find("cursor"); it != params.end() && !it->second.empty()) {
    q.after = decode_cursor(it->second);
    if (!q.after)
      errors.push_back({"cursor", "is not a cursor of this listing"});
  }
  if (auto it = params.find("limit"); it != params.end() && !it->second.empty()) {
    const auto limit = decode::parse_int(it->second, 4, false);
    if (!limit || *limit < 1 || *limit > max_limit)
      errors.push_back({"limit", "must be a whole number from 1 to " + std::to_string(max_limit)});
    else
      q.limit = static_cast<int>(*limit);
  }
  if (auto it = params.find("user_id"); it != params.end() && !it->second.empty()) {
    if (!is_uuid(it->second))
      errors.push_back({"user_id", "must be a user id (UUID)"});
    else
      q.user_id = it->second;
  }
  if (!errors.empty())
    return errors;
  return q;
}

} // namespace gh::files
