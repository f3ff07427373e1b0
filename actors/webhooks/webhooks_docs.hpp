#pragma once

#include "actors/app.hpp"

namespace gh::webhooks {

/// Describes the webhook routes and their schemas in the OpenAPI document.
void describe(app& a);

} // namespace gh::webhooks
