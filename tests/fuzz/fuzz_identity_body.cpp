// The identity endpoints' body decoders (and the TOTP and recovery-code checks) see raw bytes: any
// bytes give a decoded request or field errors, never a crash, and an accepted identifier is
// already normalised.
#include "actors/identity/credentials.hpp"
#include "actors/identity/requests.hpp"
#include "actors/identity/totp.hpp"
#include "messages/decode.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body{reinterpret_cast<const char*>(data), size};
  auto reg = gh::identity::decode_register(body);
  if (auto* r = std::get_if<gh::identity::register_request>(&reg)) {
    if (r->email && gh::credentials::normalise_email(*r->email) != r->email)
      std::abort();
    if (r->phone && gh::credentials::normalise_phone(*r->phone) != r->phone)
      std::abort();
    if (gh::credentials::password_problem(r->password))
      std::abort();
    // An accepted name is one a mail may quote: no line breaks, controls or bidi overrides.
    if (r->name &&
        (gh::decode::name_problem(*r->name, 200) || gh::decode::one_line(*r->name) != *r->name))
      std::abort();
  }
  if (auto patch = gh::identity::decode_profile_patch(body);
      std::holds_alternative<gh::identity::profile_patch>(patch)) {
    const auto& name = std::get<gh::identity::profile_patch>(patch).name;
    if (name && gh::decode::name_problem(*name, 200))
      std::abort();
  }
  (void)gh::identity::decode_login(body);
  (void)gh::identity::decode_password_change(body);
  (void)gh::identity::decode_refresh(body);
  (void)gh::identity::decode_totp_code(body);
  (void)gh::identity::decode_account_deletion(body);
  auto forgot = gh::identity::decode_password_forgot(body);
  if (auto* email = std::get_if<std::string>(&forgot))
    if (gh::credentials::normalise_email(*email) != *email)
      std::abort();
  auto reset = gh::identity::decode_password_reset(body);
  if (auto* r = std::get_if<gh::identity::password_reset_request>(&reset))
    if (gh::credentials::password_problem(r->new_password))
      std::abort();
  // A typed code and what TOTP and recovery checks make of it.
  (void)gh::totp::match("12345678901234567890", body, 59, 0);
  (void)gh::totp::normalise_recovery_code(body);
  // Normalisation is idempotent: what it accepts, it accepts again unchanged.
  if (auto email = gh::credentials::normalise_email(body))
    if (gh::credentials::normalise_email(*email) != email)
      std::abort();
  if (auto phone = gh::credentials::normalise_phone(body))
    if (gh::credentials::normalise_phone(*phone) != phone)
      std::abort();
  (void)gh::decode::name_problem(body, 200);
  (void)gh::decode::trim_space(body);
  return 0;
}
