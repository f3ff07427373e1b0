#pragma once

#include <string>
#include <string_view>

namespace gh {

/// True when a client-sent `X-Request-Id` may be echoed: 1 to 128 characters of
/// `[A-Za-z0-9._:-]`, nothing that could forge a log line or a header.
bool is_sane_request_id(std::string_view id) noexcept;

/// A fresh request id: 32 hexadecimal characters (128 random bits).
std::string new_request_id();

} // namespace gh
