#pragma once

#include <cstddef>
#include <string_view>

/// The line protocol between Gatehouse and `gatehouse-tdhost` (see tdhost_main.cpp): each line
/// is a one-letter kind, a space and its text. Shared by both sides; it needs nothing else.
namespace gh::telegram {

/// The TDLib version Gatehouse speaks: its JSON changes between versions, so the host's
/// `getOption version` must say exactly this.
inline constexpr std::string_view tdlib_version = "1.8.65";

/// Bytes of one request line the host accepts; a longer line is dropped whole.
inline constexpr std::size_t host_max_request_line = std::size_t{1} << 20;

/// Bytes of one line Gatehouse accepts from the host (a chat history of 100 long messages fits);
/// a longer line is dropped whole and counted.
inline constexpr std::size_t host_max_reply_line = std::size_t{8} << 20;

} // namespace gh::telegram
