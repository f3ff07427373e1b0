#include "actors/identity/credentials.hpp"
#include "actors/identity/password_hash.hpp"
#include "actors/identity/requests.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

using namespace gh;

// --- credentials --------------------------------------------------------------------------------

namespace {

/// An address of exactly `total` (>= 198) characters: a 64-character local part and a domain
/// of labels no longer than 63.
std::string long_email(std::size_t total) {
  return std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
         std::string(total - 64 - 1 - 63 - 1 - 63 - 1 - 4, 'd') + ".com";
}

std::string cycle(std::string_view pattern, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += pattern[i % pattern.size()];
  return out;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

/// Success when `password` is acceptable as a new password; the failure names its problem.
testing::AssertionResult acceptable(std::string_view password) {
  if (auto problem = credentials::password_problem(password))
    return testing::AssertionFailure() << "refused: " << *problem;
  return testing::AssertionSuccess();
}

} // namespace

TEST(CredentialsTest, NormalisesEmailToLowerCase) {
  EXPECT_EQ(credentials::normalise_email("Alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(credentials::normalise_email("first.last+tag@mail.example-host.org"),
            "first.last+tag@mail.example-host.org");
  EXPECT_EQ(credentials::normalise_email("a@b.co"), "a@b.co");
  ASSERT_EQ(long_email(254).size(), 254U);
  EXPECT_EQ(credentials::normalise_email(long_email(254)), long_email(254));
}

TEST(CredentialsTest, RefusesImplausibleEmails) {
  ASSERT_EQ(long_email(255).size(), 255U);
  const std::string refused[] = {"",
                                 "no-at",
                                 "a@b",
                                 "a@@b.com",
                                 "a@b@c.com",
                                 "@b.com",
                                 "a@",
                                 "a b@c.com",
                                 ".a@b.com",
                                 "a.@b.com",
                                 "a..b@c.com",
                                 "a@-b.com",
                                 "a@b-.com",
                                 "a@b..com",
                                 "a@.b.com",
                                 "a@b.com.",
                                 "a@b_c.com",
                                 std::string(65, 'a') + "@b.com",
                                 "a@" + std::string(64, 'b') + ".com",
                                 long_email(255),
                                 "a\x01@b.com",
                                 "a\x7f@b.com",
                                 "<a>@b.com",
                                 "a@b.com\n",
                                 "\"a\"@b.com"};
  for (const auto& text : refused)
    EXPECT_FALSE(credentials::normalise_email(text).has_value()) << text;
}

TEST(CredentialsTest, NormalisesPhonesToE164) {
  EXPECT_EQ(credentials::normalise_phone("+1 (415) 555-2671"), "+14155552671");
  EXPECT_EQ(credentials::normalise_phone("0044 20 7946 0958"), "+442079460958");
  EXPECT_EQ(credentials::normalise_phone("+44.20.7946.0958"), "+442079460958");
  EXPECT_EQ(credentials::normalise_phone("+49 151 12345678"), "+4915112345678");
  EXPECT_EQ(credentials::normalise_phone("+33 6 12 34 56 78"), "+33612345678");
}

TEST(CredentialsTest, RefusesNumbersLibphonenumberHoldsInvalid) {
  // E.164-shaped, but no country has the calling code 999, and +1 234 567 and the 15-digit
  // +1 234... belong to no assigned range.
  for (const std::string_view text :
       {"+999999999999", "+1234567", "+123456789012345", "+1 (015) 555-2671", "+44 20 7946 09"})
    EXPECT_FALSE(credentials::normalise_phone(text).has_value()) << text;
}

TEST(CredentialsTest, EmailIsNormalisedWithNfkcBeforeItIsChecked) {
  // Fullwidth letters (U+FF21 'Ａ', U+FF45 'ｅ' ...) are the ASCII letters they stand for.
  EXPECT_EQ(credentials::normalise_email("\xef\xbc\xa1"
                                         "da@example.com"),
            "ada@example.com");
  EXPECT_EQ(credentials::normalise_email("ada@\xef\xbd\x85xample.COM"), "ada@example.com");
  // The ligature U+FB01 is "fi"; the Kelvin sign U+212A is 'K'.
  EXPECT_EQ(credentials::normalise_email("\xef\xac\x81le@example.com"), "file@example.com");
  EXPECT_EQ(credentials::normalise_email("\xe2\x84\xaa"
                                         "ate@example.com"),
            "kate@example.com");
  EXPECT_EQ(credentials::nfkc("\xef\xbc\xa1"), "A");
}

TEST(CredentialsTest, RefusesAddressesThatDoNotSurviveNormalisation) {
  const std::string refused[] = {
      "a\xef\xbc\xa0"
      "b@example.com", // fullwidth '@' (U+FF20) makes a second '@'
      "a\xe2\x80\xa5"
      "b@example.com", // two-dot leader (U+2025) makes ".."
      "\xd0\xb0"
      "da@example.com", // Cyrillic 'а' (U+0430) is not NFKC-equal to 'a'
      "ada@ex\xe2\x80\x8b"
      "ample.com",                   // zero-width space (U+200B)
      "ada@exa\xe2\x80\xaemple.com", // right-to-left override (U+202E)
      "jos\xc3\xa9@example.com",     // non-ASCII: the mailer has no SMTPUTF8
      "ada@b\xc3\xbc"
      "cher.de",
      "ada\xc3@example.com", // ill-formed UTF-8
      std::string(1025, 'a'),
  };
  for (const auto& text : refused)
    EXPECT_FALSE(credentials::normalise_email(text).has_value()) << text;
}

TEST(CredentialsTest, RefusesPhonesWithoutCountryCodeOrWithBadDigits) {
  for (const std::string_view text :
       {"", "+", "4155552671", "0415555267", "+0123456789", "+12", "+123456", "+1234567890123456",
        "+1-415-abc", "1+4155552671", "++14155552671", "+1 415 555 2671 x2", "00", "000123456789",
        "\xef\xbc\x8b"
        "14155552671"})
    EXPECT_FALSE(credentials::normalise_phone(text).has_value()) << text;
}

TEST(CredentialsTest, PasswordLengthCountsCodePoints) {
  EXPECT_FALSE(acceptable("plumb-wago7"));
  EXPECT_TRUE(acceptable("plumb-wagon7"));
  EXPECT_TRUE(acceptable(cycle("plumb-wagon7", 128)));
  EXPECT_FALSE(acceptable(cycle("plumb-wagon7", 129)));

  const std::string_view e_acute = "\xc3\xa9";
  EXPECT_EQ(credentials::code_points(repeat(e_acute, 12)), 12U);
  EXPECT_TRUE(acceptable(repeat(e_acute, 12)));
  EXPECT_FALSE(acceptable(repeat(e_acute, 11)));
  EXPECT_TRUE(acceptable(repeat(e_acute, 128)));
  EXPECT_FALSE(acceptable(repeat(e_acute, 129)));
}

TEST(CredentialsTest, CountsCodePoints) {
  EXPECT_EQ(credentials::code_points(""), 0U);
  EXPECT_EQ(credentials::code_points("abc"), 3U);
  EXPECT_EQ(credentials::code_points("a\xe2\x82\xac"
                                     "b"),
            3U);
  EXPECT_EQ(credentials::code_points("\xf0\x9f\x98\x80"), 1U);
}

TEST(CredentialsTest, RefusesWeakPasswords) {
  std::string with_nul = "plumb-wagon7";
  with_nul += '\0';
  with_nul += "tail";
  const auto nul_problem = credentials::password_problem(with_nul);
  ASSERT_TRUE(nul_problem.has_value());
  EXPECT_NE(nul_problem->find("NUL"), std::string::npos) << *nul_problem;

  for (const std::string_view weak :
       {"Password1234", "PASSWORD1234", "password1234", "CorrectHorseBatteryStaple", "aaaaaaaaaaaa",
        "zzzzzzzzzzzzzz", "abcdefghijklmnop", "ponmlkjihgfedcba", "3456789:;<=>"})
    EXPECT_FALSE(acceptable(weak)) << weak;

  EXPECT_TRUE(credentials::is_common_password("PassWord1234"));
  EXPECT_FALSE(credentials::is_common_password("plumb-wagon7"));
}

TEST(CredentialsTest, AcceptsReasonablePasswords) {
  for (const std::string_view good :
       {"correct horse battery", "plumb-wagon7", "Tr0ub4dor&3-horse", "abcdefghijkz"})
    EXPECT_TRUE(acceptable(good)) << good;
}

// --- request decoders ---------------------------------------------------------------------------

namespace {

bool has_field(const identity::field_errors& errors, std::string_view field) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const field_error& e) { return e.field == field; });
}

/// Success when `d` holds errors and one of them is on `field`.
template <class T>
testing::AssertionResult fails_on(const identity::decoded<T>& d, std::string_view field) {
  const auto* errors = std::get_if<identity::field_errors>(&d);
  if (errors == nullptr)
    return testing::AssertionFailure() << "decoded without errors";
  if (has_field(*errors, field))
    return testing::AssertionSuccess();
  auto failure = testing::AssertionFailure();
  failure << "no error on \"" << field << "\"; errors:";
  for (const auto& e : *errors)
    failure << " [" << e.field << ": " << e.message << "]";
  return failure;
}

/// Success when `d` holds at least one error.
template <class T>
testing::AssertionResult fails(const identity::decoded<T>& d) {
  const auto* errors = std::get_if<identity::field_errors>(&d);
  if (errors == nullptr || errors->empty())
    return testing::AssertionFailure() << "decoded without errors";
  return testing::AssertionSuccess();
}

/// The errors of `d` as text, to explain a failed decode.
template <class T>
std::string describe(const identity::decoded<T>& d) {
  std::string out;
  if (const auto* errors = std::get_if<identity::field_errors>(&d))
    for (const auto& e : *errors)
      out += "[" + e.field + ": " + e.message + "] ";
  return out;
}

} // namespace

TEST(RequestsTest, RegisterNormalisesIdentifiers) {
  const auto d =
      identity::decode_register(R"({"email":"Alice@Example.COM","password":"plumb-wagon7"})");
  const auto* r = std::get_if<identity::register_request>(&d);
  ASSERT_NE(r, nullptr) << describe(d);
  EXPECT_EQ(r->email, "alice@example.com");
  EXPECT_FALSE(r->phone.has_value());
  EXPECT_EQ(r->password, "plumb-wagon7");
  EXPECT_FALSE(r->name.has_value());
  EXPECT_FALSE(r->cookie_session);

  const auto by_phone = identity::decode_register(
      R"({"phone":"+1 (415) 555-2671","password":"plumb-wagon7","name":"Bob"})");
  const auto* p = std::get_if<identity::register_request>(&by_phone);
  ASSERT_NE(p, nullptr) << describe(by_phone);
  EXPECT_EQ(p->phone, "+14155552671");
  EXPECT_FALSE(p->email.has_value());
  EXPECT_EQ(p->name, "Bob");
}

TEST(RequestsTest, RegisterSessionMode) {
  const auto cookie = identity::decode_register(
      R"({"email":"a@b.com","password":"plumb-wagon7","session":"cookie"})");
  ASSERT_TRUE(std::holds_alternative<identity::register_request>(cookie)) << describe(cookie);
  EXPECT_TRUE(std::get<identity::register_request>(cookie).cookie_session);

  const auto token = identity::decode_register(
      R"({"email":"a@b.com","password":"plumb-wagon7","session":"token"})");
  ASSERT_TRUE(std::holds_alternative<identity::register_request>(token)) << describe(token);
  EXPECT_FALSE(std::get<identity::register_request>(token).cookie_session);

  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"plumb-wagon7","session":"jar"})"),
      "session"));
}

TEST(RequestsTest, RegisterRefusesUnknownFields) {
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"plumb-wagon7","is_admin":true})"),
      "is_admin"));
}

TEST(RequestsTest, RegisterNamesFieldsOfTheWrongType) {
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"email":"a@b.com","password":123456789012})"),
                       "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"email":42,"password":"plumb-wagon7"})"), "email"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"phone":true,"password":"plumb-wagon7"})"), "phone"));
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"plumb-wagon7","name":[]})"),
      "name"));
}

TEST(RequestsTest, RegisterRequiresPasswordAndAnIdentifier) {
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"email":"a@b.com"})"), "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"email":"a@b.com","password":null})"), "password"));
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"password":"plumb-wagon7"})"), "email"));
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":null,"phone":null,"password":"plumb-wagon7"})"),
      "email"));
}

TEST(RequestsTest, RegisterChecksContent) {
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"phone":"12345","password":"plumb-wagon7"})"),
                       "phone"));
  EXPECT_TRUE(fails_on(identity::decode_register(R"({"email":"nope","password":"plumb-wagon7"})"),
                       "email"));
  EXPECT_TRUE(
      fails_on(identity::decode_register(R"({"email":"a@b.com","password":"short"})"), "password"));
  EXPECT_TRUE(fails_on(
      identity::decode_register(R"({"email":"a@b.com","password":"Password1234"})"), "password"));
  EXPECT_TRUE(fails_on(identity::decode_register(
                           R"({"email":"a@b.com","password":"plumb-wagon7","name":"a\u0000b"})"),
                       "name"));
}

TEST(RequestsTest, RegisterBoundsTheName) {
  const auto body = [](std::size_t n) {
    return R"({"email":"a@b.com","password":"plumb-wagon7","name":")" + std::string(n, 'n') + "\"}";
  };
  EXPECT_TRUE(fails_on(identity::decode_register(body(201)), "name"));
  const auto ok = identity::decode_register(body(200));
  ASSERT_TRUE(std::holds_alternative<identity::register_request>(ok)) << describe(ok);
  EXPECT_EQ(std::get<identity::register_request>(ok).name, std::string(200, 'n'));
}

TEST(RequestsTest, NamesCarryNoMessageControlsOrInvisibleText) {
  const auto named = [](const std::string& name_json) {
    return R"({"email":"a@b.com","password":"plumb-wagon7","name":)" + name_json + "}";
  };
  // The security review's payload: a welcome mail would have carried a second paragraph.
  const std::string payload =
      R"("there.\r\n\r\nYour account was flagged. Verify now at https://evil.example \u2026")";
  for (const std::string& bad : std::vector<std::string>{
           payload, R"("Ada\nLovelace")", R"("Ada\u001b[31m")", R"("Ada\u0007")", R"("Ada\u0085")",
           R"("\u202egnp.exe")", R"("Ada\u2066x\u2069")", R"("Ada\u200fLovelace")",
           R"("Ada\u2028Lovelace")", R"("   ")", R"("\u3000\u00a0")", R"("\u200b\u200b")",
           R"("\u2060\ufeff")", R"("\u0301\u0301")", R"("")"}) {
    EXPECT_TRUE(fails_on(identity::decode_register(named(bad)), "name")) << bad;
    EXPECT_TRUE(fails_on(identity::decode_profile_patch(R"({"name":)" + bad + "}"), "name")) << bad;
  }
  // Names of every script, emoji sequences joined by U+200D, and trimmed on the way in.
  for (const auto& [good, stored] : std::vector<std::pair<std::string, std::string>>{
           {R"("  Ada Lovelace ")", "Ada Lovelace"},
           {R"("Zoë 李")", "Zoë 李"},
           {R"("\ud83d\udc69\u200d\ud83d\udcbb Ada")",
            "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb Ada"},
           {R"("O'Brien-Smith, Jr.")", "O'Brien-Smith, Jr."}}) {
    const auto d = identity::decode_register(named(good));
    ASSERT_TRUE(std::holds_alternative<identity::register_request>(d)) << good << describe(d);
    EXPECT_EQ(std::get<identity::register_request>(d).name, stored);
    const auto p = identity::decode_profile_patch(R"({"name":)" + good + "}");
    ASSERT_TRUE(std::holds_alternative<identity::profile_patch>(p)) << good << describe(p);
    EXPECT_EQ(std::get<identity::profile_patch>(p).name, stored);
  }
}

TEST(RequestsTest, RegisterRefusesBodiesThatAreNotObjects) {
  for (const std::string_view body :
       {"", "{", "not json", R"({"email":"a@b.com",})", "[]",
        R"([{"email":"a@b.com","password":"plumb-wagon7"}])", "null", "\"text\"",
        R"({"email":"a@b.com","email":"c@d.com","password":"plumb-wagon7"})"})
    EXPECT_TRUE(fails(identity::decode_register(body))) << body;
}

TEST(RequestsTest, LoginTakesExactlyOneIdentifier) {
  EXPECT_TRUE(fails_on(
      identity::decode_login(R"({"email":"a@b.com","phone":"+14155552671","password":"x"})"),
      "phone"));
  EXPECT_TRUE(fails_on(identity::decode_login(R"({"password":"x"})"), "email"));

  const auto d = identity::decode_login(
      R"({"email":"Bob@Example.com","password":"x","totp":"123456","session":"cookie"})");
  const auto* r = std::get_if<identity::login_request>(&d);
  ASSERT_NE(r, nullptr) << describe(d);
  EXPECT_EQ(r->email, "bob@example.com");
  EXPECT_FALSE(r->phone.has_value());
  EXPECT_EQ(r->password, "x"); // login does not judge the password's strength
  EXPECT_EQ(r->totp, "123456");
  EXPECT_TRUE(r->cookie_session);

  const auto by_phone =
      identity::decode_login(R"({"phone":"0044 20 7946 0958","password":"whatever"})");
  const auto* p = std::get_if<identity::login_request>(&by_phone);
  ASSERT_NE(p, nullptr) << describe(by_phone);
  EXPECT_EQ(p->phone, "+442079460958");
}

TEST(RequestsTest, LoginRequiresPassword) {
  EXPECT_TRUE(fails_on(identity::decode_login(R"({"email":"a@b.com"})"), "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_login(R"({"email":"a@b.com","password":null})"), "password"));
  EXPECT_TRUE(fails_on(identity::decode_login(R"({"email":"a@b.com","password":7})"), "password"));
  EXPECT_TRUE(
      fails_on(identity::decode_login(R"({"email":"a@b.com","password":"x","otp":"1"})"), "otp"));
}

TEST(RequestsTest, RefreshTokenIsOptional) {
  for (const std::string_view empty : {"", "  \n", "{}"}) {
    const auto d = identity::decode_refresh(empty);
    ASSERT_TRUE(std::holds_alternative<std::string>(d)) << describe(d);
    EXPECT_EQ(std::get<std::string>(d), "");
  }
  const auto d = identity::decode_refresh(R"({"refresh_token":"x"})");
  ASSERT_TRUE(std::holds_alternative<std::string>(d)) << describe(d);
  EXPECT_EQ(std::get<std::string>(d), "x");

  EXPECT_TRUE(fails_on(identity::decode_refresh(R"({"refresh_token":5})"), "refresh_token"));
  EXPECT_TRUE(fails_on(identity::decode_refresh(R"({"token":"x"})"), "token"));
  EXPECT_TRUE(fails(identity::decode_refresh("[]")));
}

TEST(RequestsTest, ProfilePatchDistinguishesNullFromAbsent) {
  const auto clear = identity::decode_profile_patch(R"({"name":null})");
  const auto* c = std::get_if<identity::profile_patch>(&clear);
  ASSERT_NE(c, nullptr) << describe(clear);
  EXPECT_TRUE(c->set_name);
  EXPECT_FALSE(c->name.has_value());

  const auto none = identity::decode_profile_patch("{}");
  const auto* n = std::get_if<identity::profile_patch>(&none);
  ASSERT_NE(n, nullptr) << describe(none);
  EXPECT_FALSE(n->set_name);

  const auto set = identity::decode_profile_patch(R"({"name":"Carol"})");
  const auto* s = std::get_if<identity::profile_patch>(&set);
  ASSERT_NE(s, nullptr) << describe(set);
  EXPECT_TRUE(s->set_name);
  EXPECT_EQ(s->name, "Carol");

  EXPECT_TRUE(fails_on(identity::decode_profile_patch(R"({"name":5})"), "name"));
  EXPECT_TRUE(fails_on(identity::decode_profile_patch(R"({"email":"a@b.com"})"), "email"));
}

TEST(RequestsTest, PasswordChangeChecksTheNewPassword) {
  EXPECT_TRUE(fails_on(
      identity::decode_password_change(R"({"current_password":"old-one","new_password":"short"})"),
      "new_password"));
  EXPECT_TRUE(fails_on(identity::decode_password_change(
                           R"({"current_password":"old-one","new_password":"aaaaaaaaaaaaaa"})"),
                       "new_password"));
  EXPECT_TRUE(fails_on(identity::decode_password_change(R"({"current_password":"old-one"})"),
                       "new_password"));
  EXPECT_TRUE(fails_on(identity::decode_password_change(R"({"new_password":"plumb-wagon7"})"),
                       "current_password"));

  const auto d = identity::decode_password_change(
      R"({"current_password":"old-one","new_password":"plumb-wagon7"})");
  const auto* r = std::get_if<identity::password_change_request>(&d);
  ASSERT_NE(r, nullptr) << describe(d);
  EXPECT_EQ(r->current_password, "old-one");
  EXPECT_EQ(r->new_password, "plumb-wagon7");
}
// --- password hashing ---------------------------------------------------------------------------

namespace {

const credentials::argon2_params fast{1024, 1, 1};

/// Replaces the base64url character at `pos` with another one.
std::string flip_char(std::string token, std::size_t pos) {
  token[pos] = token[pos] == 'A' ? 'B' : 'A';
  return token;
}

} // namespace

TEST(PasswordHashTest, HashThenVerify) {
  const auto hash = credentials::hash_password("plumb-wagon7", fast);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << hash;
  EXPECT_TRUE(credentials::verify_password(hash, "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(hash, "plumb-wagon8"));
  EXPECT_FALSE(credentials::verify_password(hash, "Plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(hash, ""));
}

TEST(PasswordHashTest, SaltMakesEveryHashDifferent) {
  const auto a = credentials::hash_password("plumb-wagon7", fast);
  const auto b = credentials::hash_password("plumb-wagon7", fast);
  EXPECT_NE(a, b);
  EXPECT_TRUE(credentials::verify_password(a, "plumb-wagon7"));
  EXPECT_TRUE(credentials::verify_password(b, "plumb-wagon7"));
}

TEST(PasswordHashTest, MalformedHashesNeverVerify) {
  const auto hash = credentials::hash_password("plumb-wagon7", fast);
  auto argon2i = hash;
  argon2i.replace(0, std::string_view("$argon2id$").size(), "$argon2i$");
  EXPECT_FALSE(credentials::verify_password(argon2i, "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password("garbage", "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password("", "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password("$argon2id$", "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(hash.substr(0, hash.size() - 5), "plumb-wagon7"));
  EXPECT_FALSE(credentials::verify_password(flip_char(hash, hash.size() - 5), "plumb-wagon7"));
}

TEST(PasswordHashTest, DummyHashUsesDefaultCost) {
  const auto& dummy = credentials::dummy_hash();
  EXPECT_TRUE(dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << dummy;
  EXPECT_FALSE(credentials::verify_password(dummy, "plumb-wagon7"));
  EXPECT_EQ(&credentials::dummy_hash(), &dummy);
}
