#include "actors/federation/provider_calls.hpp"

#include "actors/addresses.hpp"
#include "actors/external_tokens.hpp"
#include "messages/decode.hpp"
#include "providers/oidc/provider_keys.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <variant>

namespace gh::federation {

namespace {

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// The identity that checked claims vouch for. The address is stored and compared exactly as
/// identity stores addresses; one that does not survive that is left out (the identity stays,
/// without an address).
provider_identity identity_of(const provider_entry& p, const oidc::provider_claims& c) {
  provider_identity who;
  who.provider = p.name;
  who.subject = c.sub;
  who.email = addresses::normalise_email(c.email).value_or("");
  who.email_verified = c.email_verified;
  if (!decode::text_problem(c.name, 200))
    who.name = c.name;
  return who;
}

} // namespace

exchange_result exchange(const provider_entry& p, const std::string& redirect_uri,
                         const callback_query& q, const login_record& rec) {
  exchange_result out;
  auto tokens = p.keys->exchange_code(q.code, redirect_uri, rec.code_verifier);
  if (auto* err = std::get_if<oidc::token_error>(&tokens)) {
    out.error = err->status == 0 ? gh_errc::provider_unavailable : gh_errc::validation;
    out.message = err->status == 0 ? "the identity provider cannot be reached"
                                   : "the provider refused the code (" + err->error + ")";
    return out;
  }
  const auto& answer = std::get<oidc::token_response>(tokens);
  out.field = "id_token";
  if (answer.id_token.empty()) {
    out.error = gh_errc::validation;
    out.message = "the provider sent no ID token";
    return out;
  }
  auto verified = p.keys->verify(answer.id_token);
  if (auto* err = std::get_if<oidc::keys_error>(&verified)) {
    out.error = err->unavailable ? gh_errc::provider_unavailable : gh_errc::validation;
    out.message = err->unavailable ? "the identity provider's keys cannot be fetched"
                                   : "the ID token's signature does not verify";
    return out;
  }
  oidc::token_expectations expect;
  expect.issuer = p.keys->options().issuer;
  expect.client_id = p.keys->options().client_id;
  expect.now = static_cast<int64_t>(std::time(nullptr));
  expect.nonce = rec.nonce;
  auto claims = oidc::check_id_token(std::get<oidc::verified_jws>(verified), expect);
  if (auto* err = std::get_if<oidc::claims_error>(&claims)) {
    out.error = gh_errc::validation;
    out.message = "the ID token is not valid: " + err->reason;
    return out;
  }
  const auto& c = std::get<oidc::provider_claims>(claims);
  auto who = identity_of(p, c);
  if (who.subject.empty() || who.subject.size() > 255) {
    out.error = gh_errc::validation;
    out.message = "the ID token's subject is missing or too long";
    return out;
  }
  out.who = std::move(who);
  return out;
}

const provider_entry* provider_of_token(const federation_options& opt, std::string_view token) {
  const auto iss = unverified_issuer(token);
  if (!iss)
    return nullptr;
  for (const auto& p : opt.providers)
    if (p.keys->options().issuer == *iss && (p.accept_access_tokens || p.accept_id_tokens))
      return &p;
  return nullptr;
}

token_check check_token(const provider_entry& p, const std::string& token) {
  token_check out;
  auto verified = p.keys->verify(token);
  if (auto* err = std::get_if<oidc::keys_error>(&verified)) {
    out.unavailable = err->unavailable;
    out.reason = err->unavailable ? "the identity provider's keys cannot be fetched"
                                  : "the provider token's signature does not verify";
    return out;
  }
  const auto& jws = std::get<oidc::verified_jws>(verified);
  oidc::token_expectations expect;
  expect.issuer = p.keys->options().issuer;
  expect.client_id = p.keys->options().client_id;
  expect.now = static_cast<int64_t>(std::time(nullptr));
  // An access token says so (RFC 9068's `typ`, or Cognito's `token_use`); anything else is
  // checked as an ID token. Each kind counts only where the provider's settings accept it.
  const auto* use = jws.payload.if_contains("token_use");
  const auto typ = lower_ascii(jws.typ);
  const bool access = typ == "at+jwt" || typ == "application/at+jwt" ||
                      (use != nullptr && use->is_string() && use->get_string() == "access");
  if (access ? !p.accept_access_tokens : !p.accept_id_tokens) {
    out.reason = access ? "this provider's access tokens are not accepted"
                        : "this provider's ID tokens are not accepted";
    return out;
  }
  auto claims = access ? oidc::check_access_token(jws, expect) : oidc::check_id_token(jws, expect);
  if (auto* err = std::get_if<oidc::claims_error>(&claims)) {
    out.reason = "the provider token is not valid: " + err->reason;
    return out;
  }
  const auto& c = std::get<oidc::provider_claims>(claims);
  auto who = identity_of(p, c);
  out.who = std::move(who);
  out.exp = c.exp;
  return out;
}

} // namespace gh::federation
