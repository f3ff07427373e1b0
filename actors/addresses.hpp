#pragma once

#include <optional>
#include <string>
#include <string_view>

/// Addresses as every capability stores and compares them: one normalisation, whoever vouches
/// for the address (a registration in identity, a provider's claim in federation).
namespace gh::addresses {

/// `text` in Unicode Normalization Form KC (ICU), or empty when it is not well-formed UTF-8 or
/// longer than 1024 bytes.
std::optional<std::string> nfkc(std::string_view text);

/// An email address normalised for storage and every lookup, or empty when it does not survive
/// normalisation: NFKC first (so a fullwidth `Ａ` is `A`), then the result must be a plain
/// address: printable ASCII, one `@`, a 1–64 character local part without leading, trailing or
/// doubled dots, a dotted domain of letters, digits and hyphens, at most 254 characters, no
/// spaces or specials; then lower-cased (the domain case-folded, the local part as before).
std::optional<std::string> normalise_email(std::string_view raw);

} // namespace gh::addresses
