#pragma once

#include "actors/app.hpp"

namespace gh::admin {

/// Describes the admin routes and their schemas in the OpenAPI document.
void describe(app& a);

} // namespace gh::admin
