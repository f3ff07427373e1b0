#pragma once

#include "actors/app.hpp"

namespace gh::records {

/// Describes the records routes and their schemas in the OpenAPI document.
void describe(app& a);

} // namespace gh::records
