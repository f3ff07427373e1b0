#pragma once

#include "actors/app.hpp"

namespace gh::orgs {

/// Describes the organizations routes and their schemas in the OpenAPI document.
void describe(app& a);

} // namespace gh::orgs
