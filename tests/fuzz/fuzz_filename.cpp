// Filenames and upload requests come from any signed-in user: the sanitiser never crashes and
// what it returns is UTF-8 of at most 255 bytes without separators, controls or bidirectional
// overrides, unchanged by a second pass; the upload decoder never crashes. Input: a filename,
// or (starting with '{') an upload request body.
#include "actors/files/filenames.hpp"
#include "actors/files/requests.hpp"
#include "messages/decode.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  if (input.starts_with('{')) {
    auto decoded = gh::files::decode_upload(input);
    if (auto* r = std::get_if<gh::files::upload_request>(&decoded))
      if (r->filename.empty() || gh::files::media_type(r->content_type).empty() || r->size < 0)
        std::abort();
    return 0;
  }
  const auto out = gh::files::sanitize_filename(input);
  if (out.size() > gh::files::max_filename_bytes || !gh::decode::is_valid_utf8(out))
    std::abort();
  for (const char c : out)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      std::abort();
  for (const std::string_view bidi : {"\u202E", "\u202D", "\u2066", "\u2067", "\u2068", "\u200F"})
    if (out.find(bidi) != std::string::npos)
      std::abort();
  if (!out.empty() && (out.front() == '.' || out.back() == '.' || out.back() == ' '))
    std::abort();
  if (gh::files::sanitize_filename(out) != out)
    std::abort();
  (void)gh::files::media_type(input);
  return 0;
}
