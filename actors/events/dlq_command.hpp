#pragma once

#include "config/settings.hpp"

namespace gh::events {

/// `gatehouse dlq list|replay ID|replay all`: prints the dead letters (one JSON object per
/// line, reset links redacted) or publishes them again on their original subjects. Exit code:
/// 0 done, 1 NATS or a replay failed, 2 usage.
int dlq_command(const config::settings& s, int argc, char** argv);

} // namespace gh::events
