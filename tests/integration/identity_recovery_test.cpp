// Two-factor authentication (TOTP and recovery codes), password reset by email and account
// deletion, end to end: Gatehouse as a process against the run's real PostgreSQL and Redis.

#include "tests/integration/identity_fixture.hpp"

#include "actors/identity/totp.hpp"
#include "crypto/crypto.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace gh::test {
namespace {

const std::string problems = "https://gatehouse.dev/problems/";
const std::string first_password = "correct horse battery";
const std::string new_password = "a brand new secret";

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string upper(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

/// Where reset links point: GATEHOUSE_PUBLIC_URL as the server reads it, or its default.
std::string public_url() {
  const char* v = std::getenv("GATEHOUSE_PUBLIC_URL");
  std::string url = v != nullptr && *v != '\0' ? v : "http://127.0.0.1:8080";
  while (url.size() > 1 && url.back() == '/')
    url.pop_back();
  return url;
}

/// The value at `path` below `root` (objects only), or null when a step is missing.
const json::value* at_path(const json::value& root, std::initializer_list<std::string_view> path) {
  const json::value* v = &root;
  for (const auto key : path) {
    if (!v->is_object())
      return nullptr;
    v = v->as_object().if_contains(key);
    if (v == nullptr)
      return nullptr;
  }
  return v;
}
const json::value* at_path(json::value&&, std::initializer_list<std::string_view>) = delete;

std::string string_at(const json::value& root, std::initializer_list<std::string_view> path) {
  const auto* v = at_path(root, path);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

/// The problem `type` of a reply, or empty when the body is not a JSON object.
std::string type_of(const http_reply& r) {
  try {
    return str(parse(r.body), "type");
  } catch (const std::exception&) {
    return {};
  }
}

/// A 400 validation problem whose `errors` name `field`.
testing::AssertionResult names_field(const http_reply& r, const std::string& field) {
  if (r.status != 400)
    return testing::AssertionFailure() << "status " << r.status << ": " << r.body;
  if (type_of(r) != problems + "validation")
    return testing::AssertionFailure() << "not a validation problem: " << r.body;
  const auto body = json::parse(r.body);
  const auto* errors = at_path(body, {"errors"});
  if (errors != nullptr && errors->is_array())
    for (const auto& e : errors->as_array())
      if (string_at(e, {"field"}) == field)
        return testing::AssertionSuccess();
  return testing::AssertionFailure() << "no error names \"" << field << "\": " << r.body;
}

testing::AssertionResult is_rate_limited(const http_reply& r) {
  if (r.status != 429)
    return testing::AssertionFailure() << "status " << r.status << ": " << r.body;
  if (type_of(r) != problems + "rate-limited")
    return testing::AssertionFailure() << "not a rate-limited problem: " << r.body;
  const auto it = r.headers.find("retry-after");
  if (it == r.headers.end() || std::atoi(it->second.c_str()) < 1)
    return testing::AssertionFailure() << "no Retry-After of at least 1 s";
  return testing::AssertionSuccess();
}

std::string code_body(const std::string& code) {
  return json::serialize(json::object{{"code", code}});
}

/// A 6-digit code that is none of `key`'s codes for the steps around now.
std::string wrong_code(const std::string& key) {
  const auto now = totp::step_of(unix_now());
  for (int n = 0;; ++n) {
    auto digits = std::to_string(n);
    const auto candidate = std::string(6 - digits.size(), '0') + digits;
    bool valid = false;
    for (auto step = now - 3; step <= now + 3; ++step)
      valid = valid || totp::code_for_step(key, step) == candidate;
    if (!valid)
      return candidate;
  }
}

/// The tests of this file share IdentityTest's server set-up and helpers.
class IdentityRecoveryTest : public IdentityTest {
protected:
  /// A registered account and its first session.
  struct account {
    std::string email; ///< as registered (mixed case; the server stores it in lower case)
    std::string id;
    std::string access;
    std::string refresh;
  };

  /// Two-factor authentication turned on for an account.
  struct two_factor {
    std::string key;  ///< the raw TOTP secret
    int64_t step = 0; ///< the step whose code turned it on (so already used)
    std::vector<std::string> recovery_codes;
  };

  static account new_account(std::string_view who) {
    account a;
    a.email = fresh_email(who);
    auto body = register_user(a.email, first_password);
    a.id = string_at(body, {"user", "id"});
    a.access = str(body, "access_token");
    a.refresh = str(body, "refresh_token");
    EXPECT_FALSE(a.id.empty());
    return a;
  }

  /// The first column of the first row `sql` returns, as text; empty for no row or NULL.
  template <class... Args>
  static std::optional<std::string> value(const std::string& sql, Args&&... args) {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::nontransaction tx{conn};
    const pqxx::result rows = tx.exec_params(sql, std::forward<Args>(args)...);
    if (rows.empty() || rows[0][0].is_null())
      return std::nullopt;
    return rows[0][0].as<std::string>();
  }

  template <class... Args>
  static void exec(const std::string& sql, Args&&... args) {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::nontransaction tx{conn};
    tx.exec_params(sql, std::forward<Args>(args)...);
  }

  /// `count(sql, arg)` once it is `expected`, asking again for up to 3 s: failed sign-ins are
  /// audited after the answer.
  static int64_t settled_count(const std::string& sql, const std::string& arg, int64_t expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{3};
    auto n = count(sql, arg);
    while (n != expected && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
      n = count(sql, arg);
    }
    return n;
  }

  static http_reply login_with(const account& a, const std::string& password,
                               const std::optional<std::string>& code = {}) {
    json::object body;
    body["email"] = a.email;
    body["password"] = password;
    if (code)
      body["totp"] = *code;
    return call("POST", "/api/v1/auth/login", json::serialize(body));
  }

  static http_reply me(const std::string& access) {
    return call("GET", "/api/v1/users/me", {}, bearer(access));
  }

  static http_reply refresh(const std::string& token) {
    return call("POST", "/api/v1/auth/refresh",
                json::serialize(json::object{{"refresh_token", token}}));
  }

  static http_reply setup(const account& a) {
    return call("POST", "/api/v1/auth/mfa/totp/setup", {}, bearer(a.access));
  }

  static http_reply enable(const account& a, const std::string& code) {
    return call("POST", "/api/v1/auth/mfa/totp/enable", code_body(code), bearer(a.access));
  }

  static http_reply disable(const account& a, const std::string& code) {
    return call("DELETE", "/api/v1/auth/mfa/totp", code_body(code), bearer(a.access));
  }

  /// The raw secret of a setup reply; empty when it is not valid base32.
  static std::string key_of(const http_reply& setup_reply) {
    return crypto::base32_decode(str(parse(setup_reply.body), "secret")).value_or(std::string{});
  }

  /// Sets TOTP up and turns it on with the code of the current step (one TOTP attempt).
  static two_factor enable_totp(const account& a) {
    two_factor out;
    auto s = setup(a);
    EXPECT_EQ(s.status, 200) << s.body;
    if (s.status != 200)
      return out;
    const auto raw_key = key_of(s);
    EXPECT_EQ(raw_key.size(), totp::secret_bytes);
    out.step = totp::step_of(unix_now());
    auto on = enable(a, totp::code_for_step(raw_key, out.step));
    EXPECT_EQ(on.status, 200) << on.body;
    if (on.status != 200)
      return out;
    out.key = raw_key;
    const auto body = json::parse(on.body);
    if (const auto* codes = at_path(body, {"recovery_codes"});
        codes != nullptr && codes->is_array())
      for (const auto& c : codes->as_array())
        if (c.is_string())
          out.recovery_codes.emplace_back(c.as_string());
    EXPECT_EQ(out.recovery_codes.size(), 10U);
    return out;
  }

  static bool mfa_shown(const std::string& access) {
    auto r = me(access);
    EXPECT_EQ(r.status, 200) << r.body;
    const auto body = json::parse(r.body);
    const auto* v = at_path(body, {"mfa_enabled"});
    return v != nullptr && v->is_bool() && v->as_bool();
  }

  static http_reply forgot(const std::string& email) {
    return call("POST", "/api/v1/auth/password/forgot",
                json::serialize(json::object{{"email", email}}));
  }

  /// `forgot` for an address with an account: the link is written after the 202, so this waits
  /// (up to 3 s) until the new `password_resets` row is there.
  static http_reply forgot_known(const std::string& email) {
    const auto links = [&email] {
      return count("SELECT count(*) FROM password_resets p JOIN users u ON u.id = p.user_id "
                   "WHERE u.email = lower($1)",
                   email);
    };
    const auto before = links();
    auto reply = forgot(email);
    for (int i = 0; i < 60 && reply.status == 202 && links() == before; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    return reply;
  }

  static http_reply reset(const std::string& token, const std::string& password) {
    return call("POST", "/api/v1/auth/password/reset",
                json::serialize(json::object{{"token", token}, {"new_password", password}}));
  }

  /// The newest password-reset `email.send` event to `email` in the outbox (its envelope); null
  /// when none. (The welcome worker writes a welcome email.send for every new account too.)
  static json::value newest_mail_to(const std::string& email) {
    auto text = value("SELECT payload::text FROM outbox WHERE subject = 'email.send' AND "
                      "payload->'data'->>'template' = 'password_reset' AND "
                      "payload->'data'->>'to' = lower($1) ORDER BY seq DESC LIMIT 1",
                      email);
    if (!text)
      return nullptr;
    return json::parse(*text);
  }

  /// The token of the reset link in the newest email to `email`.
  static std::string reset_token_for(const std::string& email) {
    const auto url = string_at(newest_mail_to(email), {"data", "vars", "reset_url"});
    const auto at = url.find("?token=");
    EXPECT_NE(at, std::string::npos) << "no reset link mailed to " << email;
    return at == std::string::npos ? std::string{} : url.substr(at + 7);
  }
};

// --- TOTP set-up --------------------------------------------------------------------------

TEST_F(IdentityRecoveryTest, TotpSetupGivesASecretThatIsStoredSealed) {
  const auto a = new_account("setup");
  EXPECT_EQ(call("POST", "/api/v1/auth/mfa/totp/setup").status, 401);

  auto r = setup(a);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = parse(r.body);
  const auto secret = str(body, "secret");
  EXPECT_EQ(secret.size(), 32U);
  EXPECT_TRUE(secret.size() == 32 && only_of(secret, base32_upper)) << secret;
  EXPECT_EQ(key_of(r).size(), totp::secret_bytes);
  const auto uri = str(body, "otpauth_uri");
  EXPECT_TRUE(uri.starts_with("otpauth://totp/Gatehouse:")) << uri;
  EXPECT_NE(uri.find("secret=" + secret), std::string::npos) << uri;
  EXPECT_NE(uri.find(lower(a.email)), std::string::npos) << uri;

  // Pending, sealed: neither the base32 text nor the key bytes in hex are in the row.
  const auto pending = value("SELECT totp_pending FROM users WHERE id = $1::uuid", a.id);
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(pending->find(secret), std::string::npos);
  EXPECT_EQ(lower(*pending).find(lower(secret)), std::string::npos);
  EXPECT_EQ(lower(*pending).find(crypto::to_hex(key_of(r))), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND NOT mfa_enabled AND "
                  "totp_secret IS NULL",
                  a.id),
            1);
  EXPECT_FALSE(mfa_shown(a.access));

  // A sealed secret copied into another user's row does not open there.
  const auto b = new_account("setup-other");
  ASSERT_EQ(setup(b).status, 200);
  exec("UPDATE users SET totp_pending = (SELECT totp_pending FROM users WHERE id = $1::uuid) "
       "WHERE id = $2::uuid",
       a.id, b.id);
  auto moved = enable(b, totp::code_at(key_of(r), unix_now()));
  EXPECT_NE(moved.status, 200) << moved.body;
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND NOT mfa_enabled", b.id), 1);
}

// --- TOTP enable --------------------------------------------------------------------------

TEST_F(IdentityRecoveryTest, TotpEnableNeedsThePendingSecretsCodeAndGivesTenRecoveryCodes) {
  const auto a = new_account("enable");
  // No set-up yet.
  auto early = enable(a, "123456");
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_EQ(type_of(early), problems + "conflict");

  auto s = setup(a);
  ASSERT_EQ(s.status, 200) << s.body;
  const auto raw_key = key_of(s);
  ASSERT_EQ(raw_key.size(), totp::secret_bytes);

  // Malformed bodies are refused before any code is checked.
  EXPECT_TRUE(
      names_field(call("POST", "/api/v1/auth/mfa/totp/enable", "{}", bearer(a.access)), "code"));
  EXPECT_TRUE(names_field(
      call("POST", "/api/v1/auth/mfa/totp/enable", R"({"code":123456})", bearer(a.access)),
      "code"));
  EXPECT_TRUE(names_field(call("POST", "/api/v1/auth/mfa/totp/enable",
                               R"({"code":"123456","admin":true})", bearer(a.access)),
                          "admin"));
  // Wrong codes.
  EXPECT_TRUE(names_field(enable(a, wrong_code(raw_key)), "code"));
  EXPECT_TRUE(names_field(enable(a, "abcdef"), "code"));
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND NOT mfa_enabled", a.id), 1);

  // Read (and so cache) the profile first: turning two-factor on must show at once.
  EXPECT_FALSE(mfa_shown(a.access));
  auto on = enable(a, totp::code_at(raw_key, unix_now()));
  ASSERT_EQ(on.status, 200) << on.body;
  std::set<std::string> distinct;
  const auto on_body = json::parse(on.body);
  const auto* codes = at_path(on_body, {"recovery_codes"});
  ASSERT_TRUE(codes != nullptr && codes->is_array()) << on.body;
  EXPECT_EQ(codes->as_array().size(), 10U);
  for (const auto& c : codes->as_array()) {
    ASSERT_TRUE(c.is_string());
    const std::string code{c.as_string()};
    EXPECT_TRUE(code.size() == 17 && code[5] == '-' && code[11] == '-' &&
                only_of(code.substr(0, 5) + code.substr(6, 5) + code.substr(12), base32_lower))
        << code;
    distinct.insert(code);
    // Stored as SHA-256 of the code without hyphens, never as the code itself.
    std::string plain = code;
    std::erase(plain, '-');
    EXPECT_EQ(count("SELECT count(*) FROM recovery_codes WHERE code_hash = $1",
                    crypto::sha256_hex(plain)),
              1);
    EXPECT_EQ(count("SELECT count(*) FROM recovery_codes WHERE code_hash IN ($1, replace($1, "
                    "'-', ''))",
                    code),
              0);
  }
  EXPECT_EQ(distinct.size(), 10U);
  EXPECT_TRUE(mfa_shown(a.access));
  EXPECT_EQ(
      count("SELECT count(*) FROM recovery_codes WHERE user_id = $1::uuid AND used_at IS NULL",
            a.id),
      10);
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND mfa_enabled AND "
                  "totp_secret IS NOT NULL AND totp_pending IS NULL",
                  a.id),
            1);
  const auto sealed = value("SELECT totp_secret FROM users WHERE id = $1::uuid", a.id);
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(lower(*sealed).find(lower(str(parse(s.body), "secret"))), std::string::npos);
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE action = 'mfa.enabled' AND target = $1", a.id),
      1);

  // On already: no second set-up or enable until it is turned off.
  auto again = setup(a);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(type_of(again), problems + "conflict");
  EXPECT_EQ(enable(a, totp::code_at(raw_key, unix_now() + 30)).status, 409);
  EXPECT_EQ(call("POST", "/api/v1/auth/mfa/totp/enable", code_body("123456")).status, 401);
}

// --- login with two-factor ----------------------------------------------------------------

TEST_F(IdentityRecoveryTest, LoginWithTwoFactorTakesEachCodeOnce) {
  const auto a = new_account("mfa-login");
  const auto tf = enable_totp(a);
  ASSERT_FALSE(tf.key.empty());
  ASSERT_EQ(tf.recovery_codes.size(), 10U);

  // The right password without a code: the second factor is asked for.
  auto missing = login_with(a, first_password);
  EXPECT_EQ(missing.status, 401) << missing.body;
  EXPECT_EQ(type_of(missing), problems + "mfa-required");
  // A wrong password never reveals that two-factor is on, with or without a code; the code is
  // not used up by it.
  const auto next = totp::code_for_step(tf.key, tf.step + 1);
  for (const auto& code : std::vector<std::optional<std::string>>{std::nullopt, next}) {
    auto wrong_pw = login_with(a, "not the password!", code);
    EXPECT_EQ(wrong_pw.status, 401) << wrong_pw.body;
    EXPECT_EQ(type_of(wrong_pw), problems + "unauthorized");
  }
  auto wrong = login_with(a, first_password, wrong_code(tf.key));
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(type_of(wrong), problems + "unauthorized");
  auto garbage = login_with(a, first_password, "abcdef");
  EXPECT_EQ(garbage.status, 401) << garbage.body;

  // The next step's code works once; neither it nor the (older) enable code works again.
  auto ok = login_with(a, first_password, next);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(me(str(parse(ok.body), "access_token")).status, 200);
  auto replay = login_with(a, first_password, next);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_EQ(type_of(replay), problems + "unauthorized");
  EXPECT_EQ(login_with(a, first_password, totp::code_for_step(tf.key, tf.step)).status, 401);

  // A recovery code stands in for the TOTP code, once; typed in any case, without hyphens.
  EXPECT_EQ(login_with(a, first_password, tf.recovery_codes[0]).status, 200);
  EXPECT_EQ(login_with(a, first_password, tf.recovery_codes[0]).status, 401);
  std::string typed = upper(tf.recovery_codes[1]);
  std::erase(typed, '-');
  EXPECT_EQ(login_with(a, first_password, typed).status, 200);
  EXPECT_EQ(login_with(a, first_password, tf.recovery_codes[1]).status, 401);
  EXPECT_EQ(count("SELECT count(*) FROM recovery_codes WHERE user_id = $1::uuid AND used_at IS "
                  "NOT NULL",
                  a.id),
            2);
  // Another user's recovery code is not this user's.
  const auto b = new_account("mfa-login-other");
  const auto other = enable_totp(b);
  ASSERT_EQ(other.recovery_codes.size(), 10U);
  EXPECT_EQ(login_with(a, first_password, other.recovery_codes[0]).status, 401);
  EXPECT_EQ(login_with(b, first_password, other.recovery_codes[0]).status, 200);

  // Wrong, garbage, replayed, older step, two spent recovery codes and another user's.
  EXPECT_EQ(settled_count("SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND "
                          "target = $1 AND details->>'reason' = 'second_factor'",
                          a.id, 7),
            7);
}

TEST_F(IdentityRecoveryTest, WrongSecondFactorsCountTowardsTheLockout) {
  const auto a = new_account("mfa-lock");
  const auto tf = enable_totp(a);
  ASSERT_EQ(tf.recovery_codes.size(), 10U);
  // Asking for the second factor is not a failure.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(type_of(login_with(a, first_password)), problems + "mfa-required");
  const auto bad = wrong_code(tf.key);
  for (int i = 0; i < 5; ++i) {
    auto r = login_with(a, first_password, bad);
    EXPECT_EQ(r.status, 401) << i << ": " << r.body;
  }
  // Locked: the right password with an unused recovery code is refused now.
  EXPECT_TRUE(is_rate_limited(login_with(a, first_password, tf.recovery_codes[0])));
  EXPECT_EQ(count("SELECT count(*) FROM recovery_codes WHERE user_id = $1::uuid AND used_at IS "
                  "NULL",
                  a.id),
            10);
  EXPECT_EQ(settled_count("SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND "
                          "target = $1 AND details->>'reason' = 'second_factor'",
                          a.id, 5),
            5);
  EXPECT_EQ(
      settled_count("SELECT count(*) FROM audit_log WHERE action = 'login.locked' AND target = $1",
                    a.id, 1),
      1);
}

// --- TOTP disable -------------------------------------------------------------------------

TEST_F(IdentityRecoveryTest, TotpDisableNeedsAnUnusedCodeAndRemovesTheRecoveryCodes) {
  const auto a = new_account("disable");
  const auto tf = enable_totp(a);
  ASSERT_FALSE(tf.key.empty());

  EXPECT_TRUE(names_field(
      call("DELETE", "/api/v1/auth/mfa/totp", R"({"code":null})", bearer(a.access)), "code"));
  EXPECT_EQ(call("DELETE", "/api/v1/auth/mfa/totp", code_body("123456")).status, 401);
  EXPECT_TRUE(names_field(disable(a, wrong_code(tf.key)), "code"));
  // The code that turned it on is spent.
  EXPECT_TRUE(names_field(disable(a, totp::code_for_step(tf.key, tf.step)), "code"));
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND mfa_enabled", a.id), 1);

  EXPECT_TRUE(mfa_shown(a.access)); // cached now; the change must still show at once
  auto off = disable(a, totp::code_for_step(tf.key, tf.step + 1));
  EXPECT_EQ(off.status, 204) << off.body;
  EXPECT_FALSE(mfa_shown(a.access));
  EXPECT_EQ(count("SELECT count(*) FROM recovery_codes WHERE user_id = $1::uuid", a.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND NOT mfa_enabled AND "
                  "totp_secret IS NULL AND totp_pending IS NULL",
                  a.id),
            1);
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE action = 'mfa.disabled' AND target = $1", a.id),
      1);
  // A password alone signs in again.
  auto plain = login_with(a, first_password);
  EXPECT_EQ(plain.status, 200) << plain.body;
  // Off already.
  auto again = disable(a, totp::code_for_step(tf.key, tf.step + 1));
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(type_of(again), problems + "conflict");
}

TEST_F(IdentityRecoveryTest, TotpDisableTakesAnUnusedRecoveryCode) {
  const auto a = new_account("disable-rc");
  const auto tf = enable_totp(a);
  ASSERT_EQ(tf.recovery_codes.size(), 10U);
  ASSERT_EQ(login_with(a, first_password, tf.recovery_codes[0]).status, 200);
  // Used for the login: spent.
  EXPECT_TRUE(names_field(disable(a, tf.recovery_codes[0]), "code"));
  EXPECT_EQ(disable(a, tf.recovery_codes[1]).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM recovery_codes WHERE user_id = $1::uuid", a.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND NOT mfa_enabled", a.id), 1);
  EXPECT_EQ(login_with(a, first_password).status, 200);
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE action = 'mfa.disabled' AND target = $1", a.id),
      1);
}

TEST_F(IdentityRecoveryTest, TotpAttemptsAreLimitedPerUser) {
  // Enable: five wrong codes, then even the right one is refused for the window.
  const auto a = new_account("totp-limit");
  auto s = setup(a);
  ASSERT_EQ(s.status, 200) << s.body;
  const auto raw_key = key_of(s);
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(names_field(enable(a, wrong_code(raw_key)), "code")) << i;
  EXPECT_TRUE(is_rate_limited(enable(a, totp::code_at(raw_key, unix_now()))));
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND NOT mfa_enabled", a.id), 1);

  // Per user: another user is not held up; and disable shares the limit with enable.
  const auto b = new_account("totp-limit-other");
  const auto tf = enable_totp(b); // attempt 1
  ASSERT_FALSE(tf.key.empty());
  for (int i = 0; i < 4; ++i) // attempts 2 to 5
    EXPECT_TRUE(names_field(disable(b, wrong_code(tf.key)), "code")) << i;
  EXPECT_TRUE(is_rate_limited(disable(b, totp::code_for_step(tf.key, tf.step + 1))));
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid AND mfa_enabled", b.id), 1);
}

TEST_F(IdentityRecoveryTest, TotpSetupIsLimitedPerUserApartFromCodeAttempts) {
  const auto a = new_account("totp-setup-limit");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(setup(a).status, 200) << i;
  EXPECT_TRUE(is_rate_limited(setup(a)));
  // Attempts at a code keep their own count: a wrong code is still judged, not refused.
  EXPECT_TRUE(names_field(enable(a, "000000"), "code"));
}

// --- forgotten password -------------------------------------------------------------------

TEST_F(IdentityRecoveryTest, ForgotPasswordAnswersAlikeAndMailsALinkOnlyToAccounts) {
  const auto a = new_account("Forgot");
  const auto unknown = fresh_email("forgot-nobody");

  // The unknown address first: once the known one's link is visible, both writes are done.
  auto unknown_reply = forgot(unknown);
  auto known_reply = forgot_known(a.email);
  EXPECT_EQ(known_reply.status, 202) << known_reply.body;
  EXPECT_EQ(unknown_reply.status, 202) << unknown_reply.body;
  EXPECT_EQ(known_reply.body, unknown_reply.body);
  EXPECT_EQ(known_reply.headers["content-type"], unknown_reply.headers["content-type"]);

  // Nothing at all is written for an address without an account.
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE payload::text LIKE '%' || lower($1) || '%'",
                  unknown),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || lower($1) || "
                  "'%' OR target = lower($1)",
                  unknown),
            0);

  // For the account: one reset row (the token stored hashed) and one email.send event.
  EXPECT_EQ(count("SELECT count(*) FROM password_resets WHERE user_id = $1::uuid AND used_at IS "
                  "NULL AND expires_at BETWEEN now() + interval '29 minutes' AND now() + "
                  "interval '31 minutes'",
                  a.id),
            1);
  const auto reset_id =
      value("SELECT id::text FROM password_resets WHERE user_id = $1::uuid", a.id);
  ASSERT_TRUE(reset_id.has_value());
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'email.send' AND "
                  "payload->'data'->>'template' = 'password_reset' AND "
                  "payload->'data'->>'to' = lower($1)",
                  a.email),
            1);
  const auto event = newest_mail_to(a.email);
  ASSERT_TRUE(event.is_object());
  EXPECT_EQ(string_at(event, {"id"}).size(), 36U);
  EXPECT_EQ(string_at(event, {"type"}), "email.send");
  EXPECT_EQ(string_at(event, {"tenant_id"}), "00000000-0000-0000-0000-000000000001");
  EXPECT_FALSE(string_at(event, {"occurred_at"}).empty());
  EXPECT_EQ(string_at(event, {"data", "to"}), lower(a.email));
  EXPECT_EQ(string_at(event, {"data", "template"}), "password_reset");
  EXPECT_EQ(string_at(event, {"data", "idempotency_key"}), "password_reset:" + *reset_id);
  const auto* minutes = at_path(event, {"data", "vars", "expires_in_minutes"});
  ASSERT_NE(minutes, nullptr);
  EXPECT_TRUE(minutes->is_int64() && minutes->as_int64() == 30) << json::serialize(*minutes);
  const auto url = string_at(event, {"data", "vars", "reset_url"});
  const auto prefix = public_url() + "/reset-password?token=";
  ASSERT_TRUE(url.starts_with(prefix)) << url;
  const auto token = url.substr(prefix.size());
  EXPECT_GE(token.size(), 43U) << "256 bits, base64url";
  EXPECT_EQ(count("SELECT count(*) FROM password_resets WHERE token_hash = $1",
                  crypto::sha256_hex(token)),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM password_resets WHERE token_hash = $1", token), 0);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'password.reset_requested' AND "
                  "target = $1",
                  a.id),
            1);

  // Bad input.
  EXPECT_TRUE(names_field(forgot("not-an-email"), "email"));
  EXPECT_TRUE(names_field(call("POST", "/api/v1/auth/password/forgot", "{}"), "email"));
  EXPECT_TRUE(
      names_field(call("POST", "/api/v1/auth/password/forgot", R"({"email":42})"), "email"));
  EXPECT_TRUE(names_field(call("POST", "/api/v1/auth/password/forgot",
                               R"({"email":"a@example.com","redirect":"https://evil.example"})"),
                          "redirect"));
}

TEST_F(IdentityRecoveryTest, ForgotPasswordIsLimitedPerAddress) {
  const auto a = new_account("forgot-limit");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(forgot_known(a.email).status, 202) << i;
  // The same address in another case is the same address.
  EXPECT_TRUE(is_rate_limited(forgot(upper(a.email))));
  EXPECT_EQ(count("SELECT count(*) FROM password_resets WHERE user_id = $1::uuid", a.id), 3);
  // Per address: another one is still served.
  const auto b = new_account("forgot-limit-other");
  EXPECT_EQ(forgot_known(b.email).status, 202);
  EXPECT_EQ(count("SELECT count(*) FROM password_resets WHERE user_id = $1::uuid", b.id), 1);
}

// --- password reset -----------------------------------------------------------------------

TEST_F(IdentityRecoveryTest, PasswordResetReplacesThePasswordAndEndsEverySession) {
  const auto a = new_account("reset");
  const auto second = login(a.email, first_password);
  ASSERT_EQ(forgot_known(a.email).status, 202);
  const auto token = reset_token_for(a.email);
  ASSERT_FALSE(token.empty());

  // Refused passwords leave the link working.
  EXPECT_TRUE(names_field(reset(token, "password1234"), "new_password"));
  EXPECT_TRUE(names_field(reset(token, "short pass"), "new_password"));
  EXPECT_TRUE(names_field(
      call("POST", "/api/v1/auth/password/reset", json::serialize(json::object{{"token", token}})),
      "new_password"));
  // Made-up tokens.
  EXPECT_TRUE(names_field(reset("made-up-token", new_password), "token"));
  EXPECT_TRUE(names_field(reset("", new_password), "token"));
  EXPECT_TRUE(names_field(reset(std::string(300, 'a'), new_password), "token"));
  EXPECT_TRUE(names_field(
      call("POST", "/api/v1/auth/password/reset", R"({"token":42,"new_password":"x"})"), "token"));
  EXPECT_EQ(count("SELECT count(*) FROM password_resets WHERE user_id = $1::uuid AND used_at IS "
                  "NULL",
                  a.id),
            1);

  auto done = reset(token, new_password);
  ASSERT_EQ(done.status, 204) << done.body;

  // Every token issued before is refused at once, access and refresh alike.
  EXPECT_EQ(me(a.access).status, 401);
  EXPECT_EQ(me(str(second, "access_token")).status, 401);
  EXPECT_EQ(refresh(a.refresh).status, 401);
  EXPECT_EQ(refresh(str(second, "refresh_token")).status, 401);
  EXPECT_EQ(count("SELECT count(*) FROM refresh_families WHERE user_id = $1::uuid AND "
                  "revoked_at IS NULL",
                  a.id),
            0);
  // The old password is gone, the new one works.
  EXPECT_EQ(login_with(a, first_password).status, 401);
  auto fresh = login_with(a, new_password);
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(me(str(parse(fresh.body), "access_token")).status, 200);

  // The link works once.
  EXPECT_TRUE(names_field(reset(token, "yet another new secret"), "token"));
  EXPECT_EQ(login_with(a, new_password).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'password.reset' AND target = $1 "
                  "AND (details->>'sessions_revoked')::int = 2",
                  a.id),
            1);
}

TEST_F(IdentityRecoveryTest, ExpiredOrSupersededResetLinksAreRefused) {
  const auto a = new_account("reset-expired");
  ASSERT_EQ(forgot_known(a.email).status, 202);
  const auto expired = reset_token_for(a.email);
  ASSERT_FALSE(expired.empty());
  exec("UPDATE password_resets SET expires_at = now() - interval '1 minute' WHERE token_hash = $1",
       crypto::sha256_hex(expired));
  EXPECT_TRUE(names_field(reset(expired, new_password), "token"));
  EXPECT_EQ(login_with(a, first_password).status, 200);

  // Two live links: using one ends the other.
  ASSERT_EQ(forgot_known(a.email).status, 202);
  const auto older = reset_token_for(a.email);
  ASSERT_EQ(forgot_known(a.email).status, 202);
  const auto newer = reset_token_for(a.email);
  ASSERT_FALSE(older.empty());
  ASSERT_NE(older, newer);
  EXPECT_EQ(reset(newer, new_password).status, 204);
  EXPECT_TRUE(names_field(reset(older, "yet another new secret"), "token"));
  EXPECT_EQ(login_with(a, new_password).status, 200);
}

// --- account deletion ---------------------------------------------------------------------

TEST_F(IdentityRecoveryTest, DeletingTheAccountNeedsThePasswordAndRemovesOnlyThatUser) {
  const auto a = new_account("delete");
  const auto second = login(a.email, first_password);
  const auto b = new_account("delete-bystander");
  ASSERT_EQ(forgot_known(a.email).status, 202);
  ASSERT_EQ(count("SELECT count(*) FROM password_resets WHERE user_id = $1::uuid", a.id), 1);

  EXPECT_EQ(call("DELETE", "/api/v1/users/me", R"({"password":"correct horse battery"})").status,
            401);
  EXPECT_TRUE(names_field(call("DELETE", "/api/v1/users/me", "{}", bearer(a.access)), "password"));
  auto wrong =
      call("DELETE", "/api/v1/users/me", R"({"password":"not the password!"})", bearer(a.access));
  EXPECT_TRUE(names_field(wrong, "password"));
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid", a.id), 1);
  EXPECT_EQ(me(a.access).status, 200);

  auto gone = call("DELETE", "/api/v1/users/me",
                   json::serialize(json::object{{"password", first_password}}), bearer(a.access));
  ASSERT_EQ(gone.status, 204) << gone.body;

  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid", a.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM refresh_families WHERE user_id = $1::uuid", a.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM password_resets WHERE user_id = $1::uuid", a.id), 0);
  EXPECT_EQ(me(a.access).status, 401);
  EXPECT_EQ(me(str(second, "access_token")).status, 401);
  EXPECT_EQ(refresh(a.refresh).status, 401);
  EXPECT_EQ(login_with(a, first_password).status, 401);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'user.deleted' AND "
                  "payload->'data'->>'user_id' = $1",
                  a.id),
            1);
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE action = 'user.deleted' AND target = $1", a.id),
      1);

  // The bystander keeps everything.
  EXPECT_EQ(me(b.access).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE id = $1::uuid", b.id), 1);
  EXPECT_EQ(count("SELECT count(*) FROM refresh_families WHERE user_id = $1::uuid AND "
                  "revoked_at IS NULL",
                  b.id),
            1);
  EXPECT_EQ(refresh(b.refresh).status, 200);
}

} // namespace
} // namespace gh::test
