#pragma once

#include "actors/app.hpp"

namespace gh::payments {

/// Describes the payments routes and their schemas in the OpenAPI document.
void describe(app& a);

} // namespace gh::payments
