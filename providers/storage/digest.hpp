#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace gh::storage {

/// SHA-256 over bytes that arrive in pieces (OpenSSL EVP), for objects too large to hold.
class sha256_stream {
public:
  sha256_stream();
  ~sha256_stream();

  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;

  /// Adds `bytes`.
  void update(std::string_view bytes);

  /// The digest of everything added, as 64 lower-case hex digits; ends the stream.
  std::string hex();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace gh::storage
