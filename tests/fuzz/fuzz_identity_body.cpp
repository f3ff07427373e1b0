// The identity endpoints' body decoders see raw request bodies: any bytes give a decoded
// request or field errors, never a crash, and an accepted identifier is already normalised.
#include "actors/identity/credentials.hpp"
#include "actors/identity/requests.hpp"

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
  }
  (void)gh::identity::decode_login(body);
  (void)gh::identity::decode_password_change(body);
  (void)gh::identity::decode_profile_patch(body);
  (void)gh::identity::decode_refresh(body);
  (void)gh::credentials::normalise_email(body);
  (void)gh::credentials::normalise_phone(body);
  return 0;
}
