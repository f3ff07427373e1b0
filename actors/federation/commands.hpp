#pragma once

#include "actors/app.hpp"
#include "messages/http.hpp"

#include <boost/json/array.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// The federation module's console commands: `/identities`, `/link <provider>` and
/// `/unlink <provider>`, answered by the same routes as REST callers use.
namespace gh::federation {

/// `word` as a provider name (lower-cased: `/link Beta` names `beta`), when it has the shape of
/// one: a letter, then up to 31 letters, digits, `-` or `_`. Empty otherwise.
std::optional<std::string> provider_argument(std::string_view word);

/// The URL that links `provider` to the signed-in caller's account:
/// `<public_base>/api/v1/auth/oidc/<provider>/login?link=true&redirect=/`.
std::string link_url(std::string_view public_base, std::string_view provider);

/// The `identities` array of a `GET /api/v1/users/me` body; empty when the body is not a JSON
/// object holding such an array.
std::optional<boost::json::array> identities_of(std::string_view body);

/// Registers the commands. `service` serves the unlink route; `/identities` asks whoever serves
/// `GET /api/v1/users/me` among the routes registered so far (it is left out without one).
void add_commands(app& a, const http_handler_actor& service, std::vector<std::string> providers);

} // namespace gh::federation
