#include "messages/event_envelope.hpp"
#include "providers/storage/sigv4.hpp"
#include "providers/storage/storage.hpp"

namespace gh::storage {

bool is_object_key(std::string_view key) noexcept {
  if (key.size() != 36 * 3 + 2 || key[36] != '/' || key[73] != '/')
    return false;
  for (const auto part : {key.substr(0, 36), key.substr(37, 36), key.substr(74)}) {
    if (!is_uuid(part))
      return false;
    for (const char c : part)
      if (c >= 'A' && c <= 'F')
        return false;
  }
  return true;
}

std::string object_key(std::string_view tenant_id, std::string_view user_id,
                       std::string_view file_id) {
  return std::string{tenant_id} + "/" + std::string{user_id} + "/" + std::string{file_id};
}

std::string content_disposition(std::string_view filename) {
  std::string fallback;
  for (const char ch : filename) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0x80) != 0) {
      // One '_' per UTF-8 sequence, not per byte.
      if ((c & 0xc0) == 0xc0)
        fallback.push_back('_');
      continue;
    }
    fallback.push_back(c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '%' ? '_' : ch);
  }
  if (fallback.empty())
    fallback = "download";
  return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" +
         sigv4::uri_encode(filename);
}

} // namespace gh::storage
