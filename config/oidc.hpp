#pragma once

#include "config/reader.hpp"
#include "config/settings.hpp"

#include <vector>

namespace gh::config {

/// Reads `OIDC_PROVIDERS` and each listed provider's `OIDC_<NAME>_*` into `out` (API.md
/// "Federation"); every problem goes to `in`. In production an issuer must be `https://`.
void read_oidc_providers(reader& in, bool production, std::vector<oidc_provider>& out);

} // namespace gh::config
