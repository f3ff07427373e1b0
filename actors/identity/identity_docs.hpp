#pragma once

#include "actors/app.hpp"

namespace gh::identity {

/// Describes the identity routes and their schemas in the OpenAPI document.
void describe(app& a);

} // namespace gh::identity
