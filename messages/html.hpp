#pragma once

#include <string>
#include <string_view>

namespace gh {

/// Appends `text` to `out` with `& < > " '` replaced by their HTML entities: safe in element
/// content and in quoted attribute values.
void append_html_escaped(std::string& out, std::string_view text);

/// `text` with `& < > " '` replaced by their HTML entities.
std::string html_escape(std::string_view text);

} // namespace gh
