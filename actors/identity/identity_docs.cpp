#include "actors/identity/identity_docs.hpp"

namespace gh::identity {

namespace {

constexpr const char* user_ref = R"({"$ref":"#/components/schemas/User"})";
constexpr const char* tokens_ref = R"({"$ref":"#/components/schemas/SignedIn"})";
constexpr const char* credentials =
    R"({"type":"object","required":["password"],"properties":{"email":{"type":"string",)"
    R"("format":"email"},"phone":{"type":"string","description":"E.164"},)"
    R"("password":{"type":"string","minLength":12,"maxLength":128},"name":{"type":"string"},)"
    R"("totp":{"type":"string"},"session":{"const":"cookie"}}})";
constexpr const char* code = R"({"type":"object","required":["code"],"properties":{"code":)"
                             R"({"type":"string"}}})";

} // namespace

void describe(app& a) {
  a.add_schema("User", R"({"type":"object","required":["id","tenant_id","created_at",)"
                       R"("mfa_enabled","identities"],"properties":{"id":{"type":"string",)"
                       R"("format":"uuid"},"tenant_id":{"type":"string","format":"uuid"},)"
                       R"("phone":{"type":"string"},"email":{"type":"string"},)"
                       R"("name":{"type":"string"},"created_at":{"type":"string",)"
                       R"("format":"date-time"},"mfa_enabled":{"type":"boolean"},)"
                       R"("identities":{"type":"array","items":{"type":"object"}}}})");
  a.add_schema("SignedIn", R"({"type":"object","required":["user","token_type","expires_in"],)"
                           R"("properties":{"user":{"$ref":"#/components/schemas/User"},)"
                           R"("access_token":{"type":"string"},"refresh_token":)"
                           R"({"type":"string"},"token_type":{"const":"Bearer"},)"
                           R"("expires_in":{"type":"integer"}}})");
  a.add_docs({
      {"GET",
       "/.well-known/jwks.json",
       "identity",
       "The public keys of access tokens (JWK set)",
       {},
       200,
       R"({"type":"object","required":["keys"]})",
       "none"},
      {"POST", "/api/v1/auth/register", "identity",
       "Register with an email or phone and a password", credentials, 201, tokens_ref, "none"},
      {"POST", "/api/v1/auth/login", "identity",
       "Sign in (a TOTP or recovery code when two-factor "
       "is on)",
       credentials, 200, tokens_ref, "none"},
      {"POST", "/api/v1/auth/refresh", "identity", "Rotate the refresh token (body or cookie)",
       R"({"type":"object","properties":{"refresh_token":{"type":"string"}}})", 200, tokens_ref,
       "none"},
      {"POST", "/api/v1/auth/logout", "identity", "End this session", {}, 204, {}, {}},
      {"GET",
       "/api/v1/auth/status",
       "identity",
       "Whether the caller is signed in",
       {},
       200,
       R"({"type":"object","required":["authenticated"],"properties":{"authenticated":)"
       R"({"type":"boolean"},"user":{"$ref":"#/components/schemas/User"}}})",
       {}},
      {"POST", "/api/v1/auth/password/forgot", "identity",
       "Mail a single-use reset link "
       "(answered alike for every address)",
       R"({"type":"object","required":["email"],"properties":{"email":{"type":"string"}}})", 202,
       R"({"type":"object"})", "none"},
      {"POST",
       "/api/v1/auth/password/reset",
       "identity",
       "Set a new password with a reset link",
       R"({"type":"object","required":["token","new_password"],"properties":{"token":)"
       R"({"type":"string"},"new_password":{"type":"string"}}})",
       204,
       {},
       "none"},
      {"POST",
       "/api/v1/auth/mfa/totp/setup",
       "identity",
       "Start two-factor: a TOTP secret",
       {},
       200,
       R"({"type":"object","required":["secret","otpauth_uri"],"properties":{"secret":)"
       R"({"type":"string"},"otpauth_uri":{"type":"string"}}})",
       {}},
      {"POST",
       "/api/v1/auth/mfa/totp/enable",
       "identity",
       "Turn two-factor on; ten recovery codes",
       code,
       200,
       R"({"type":"object","properties":{"recovery_codes":{"type":"array","items":)"
       R"({"type":"string"},"minItems":10,"maxItems":10}}})",
       {}},
      {"DELETE", "/api/v1/auth/mfa/totp", "identity", "Turn two-factor off", code, 204, {}, {}},
      {"POST",
       "/api/v1/auth/password",
       "identity",
       "Change the password (ends other sessions)",
       R"({"type":"object","required":["current_password","new_password"],"properties":)"
       R"({"current_password":{"type":"string"},"new_password":{"type":"string"}}})",
       204,
       {},
       {}},
      {"GET",
       "/api/v1/auth/sessions",
       "identity",
       "The caller's sessions",
       {},
       200,
       R"({"type":"array","items":{"type":"object","properties":{"id":{"type":"string"},)"
       R"("created_at":{"type":"string"},"last_used_at":{"type":"string"},"ip":)"
       R"({"type":"string"},"user_agent":{"type":"string"},"current":{"type":"boolean"}}}})",
       {}},
      {"DELETE",
       "/api/v1/auth/sessions/{id}",
       "identity",
       "End one of the caller's sessions",
       {},
       204,
       {},
       {}},
      {"GET", "/api/v1/users/me", "identity", "The caller's profile", {}, 200, user_ref, {}},
      {"PATCH",
       "/api/v1/users/me",
       "identity",
       "Change the caller's name",
       R"({"type":"object","properties":{"name":{"type":["string","null"]}}})",
       200,
       user_ref,
       {}},
      {"DELETE",
       "/api/v1/users/me",
       "identity",
       "Delete the caller's account",
       R"({"type":"object","required":["password"],"properties":{"password":{"type":"string"}}})",
       204,
       {},
       {}},
  });
}

} // namespace gh::identity
