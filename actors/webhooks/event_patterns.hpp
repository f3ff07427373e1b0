#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Which events an endpoint subscribes to: event types (`user.created`) and wildcards
/// (`payment.*`, `*`). Plain functions over untrusted text, driven by unit and fuzz tests.
namespace gh::webhooks {

/// At most this many patterns per endpoint.
inline constexpr std::size_t max_patterns = 50;

/// At most this many characters per pattern.
inline constexpr std::size_t max_pattern_chars = 100;

/// What is wrong with `pattern`, or nullopt when it is usable: dot-separated tokens of `a-z`,
/// `0-9`, `_` and `-`; a `*` only as the whole last token (`payment.*`) or the whole pattern
/// (`*`, every event); never a type Gatehouse keeps to itself (`email.*`, `stripe.*`, `idp.*`,
/// `dlq.*`).
std::optional<std::string> pattern_problem(std::string_view pattern);

/// True when the event type `type` matches `pattern`: equal, or `prefix.*` and `type` starts
/// with `prefix.` (any depth below it), or `*`.
bool matches(std::string_view pattern, std::string_view type) noexcept;

/// True when any of `patterns` matches `type`.
bool any_matches(const std::vector<std::string>& patterns, std::string_view type) noexcept;

/// True for event types endpoints may receive: the first token is not `email`, `stripe`,
/// `idp` or `dlq` (mail requests carry reset links; provider events are raw input).
bool deliverable(std::string_view type) noexcept;

} // namespace gh::webhooks
