#pragma once

#include "actors/app.hpp"

namespace gh::files {

/// Describes the file routes and their schemas in the OpenAPI document.
void describe(app& a);

} // namespace gh::files
