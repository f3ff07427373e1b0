#pragma once

#include "config/reader.hpp"
#include "config/settings.hpp"

#include <vector>

namespace gh::config {

/// Reads `GATEHOUSE_UPSTREAMS` and each listed upstream's `UPSTREAM_<NAME>_*` into `out`
/// (defaults per API.md "Proxy to internal services"); every problem goes to `in`.
void read_upstreams(reader& in, std::vector<upstream_settings>& out);

} // namespace gh::config
