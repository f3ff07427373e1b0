#include "actors/identity/credentials.hpp"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace gh::credentials {

namespace {

// The most common breached passwords of 12 or more characters (shorter ones fail the length
// rule anyway), from the public top lists of breach corpora; compared lower-cased.
constexpr std::string_view common[] = {
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789012345",
    "1234567890qwerty",
    "123123123123",
    "123451234512345",
    "111111111111",
    "000000000000",
    "121212121212",
    "123321123321",
    "987654321987",
    "098765432109",
    "0987654321qwerty",
    "147258369147",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdfghjkl",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwerty123456",
    "qwerty1234567",
    "123456qwerty",
    "1q2w3e4r5t6y",
    "1q2w3e4r5t6y7u",
    "1qaz2wsx3edc",
    "1qaz2wsx3edc4rfv",
    "zaq12wsxcde3",
    "qazwsxedcrfv",
    "qazwsxedcrfvtgb",
    "asdfghjkl123",
    "asdfghjkl1234",
    "zxcvbnm12345",
    "zxcvbnm123456",
    "q1w2e3r4t5y6",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password1password1",
    "password@123",
    "password!123",
    "password1!23",
    "p@ssword1234",
    "p@ssw0rd1234",
    "passw0rd1234",
    "mypassword123",
    "mypassword1234",
    "newpassword123",
    "changeme1234",
    "changeme12345",
    "letmein12345",
    "letmein123456",
    "welcome12345",
    "welcome123456",
    "welcome@1234",
    "iloveyou1234",
    "iloveyou12345",
    "iloveyouforever",
    "iloveyousomuch",
    "iloveyoubaby",
    "iloveyou2020",
    "iloveyou2021",
    "iloveyou2022",
    "iloveyou2023",
    "iloveyou2024",
    "princess1234",
    "sunshine1234",
    "football1234",
    "baseball1234",
    "basketball12",
    "basketball123",
    "superman1234",
    "batman123456",
    "starwars1234",
    "pokemon12345",
    "michael12345",
    "jennifer1234",
    "liverpool123",
    "chelsea12345",
    "manchesterunited",
    "monkey123456",
    "dragon123456",
    "shadow123456",
    "master123456",
    "whatever1234",
    "trustno11234",
    "admin1234567",
    "administrator",
    "administrator1",
    "administrator123",
    "adminadmin123",
    "rootroot1234",
    "test12345678",
    "testtest1234",
    "qwerty12345678",
    "abc123456789",
    "abcd12345678",
    "abcdefghijkl",
    "abcdefghijklm",
    "abcdefg12345",
    "aaaaaaaaaaaa",
    "a1b2c3d4e5f6",
    "a1b2c3d4e5f6g7",
    "computer1234",
    "internet1234",
    "samsung12345",
    "google123456",
    "facebook1234",
    "linkedin1234",
    "spring2024!!",
    "summer202412",
    "winter202412",
    "autumn202412",
    "secret123456",
    "hello1234567",
    "helloworld12",
    "helloworld123",
    "thequickbrownfox",
    "correcthorsebatterystaple",
    "loveyou12345",
    "freedom12345",
    "flower123456",
    "charlie12345",
    "jordan123456",
};

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

std::optional<std::string> normalise_phone(std::string_view text) {
  if (text.empty() || text.size() > 32)
    return std::nullopt;
  std::string digits;
  bool plus = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && i == 0) {
      plus = true;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      digits += c;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  if (!plus) {
    if (!digits.starts_with("00"))
      return std::nullopt;
    digits.erase(0, 2);
  }
  if (digits.size() < 7 || digits.size() > 15 || digits.front() == '0')
    return std::nullopt;
  // libphonenumber's metadata: a country calling code that exists and a number of a range
  // assigned in that country (valid for its length and leading digits).
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const auto* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse("+" + digits, "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util->IsValidNumber(number))
    return std::nullopt;
  std::string e164;
  util->Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

std::size_t code_points(std::string_view text) noexcept {
  std::size_t n = 0;
  for (const char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U)
      ++n;
  return n;
}

bool is_common_password(std::string_view password) {
  const auto l = lower(password);
  return std::find(std::begin(common), std::end(common), l) != std::end(common);
}

std::optional<std::string> password_problem(std::string_view password) {
  const auto n = code_points(password);
  if (n < 12)
    return "must be at least 12 characters";
  if (n > 128 || password.size() > 512)
    return "must be at most 128 characters";
  if (password.find('\0') != std::string_view::npos)
    return "must not contain NUL characters";
  if (is_common_password(password))
    return "is too common; it appears in lists of breached passwords";
  const bool repeated =
      std::all_of(password.begin(), password.end(), [&](char c) { return c == password.front(); });
  bool run_up = true;
  bool run_down = true;
  for (std::size_t i = 1; i < password.size(); ++i) {
    run_up = run_up && password[i] == password[i - 1] + 1;
    run_down = run_down && password[i] == password[i - 1] - 1;
  }
  if (repeated || run_up || run_down)
    return "is too easy to guess";
  return std::nullopt;
}

} // namespace gh::credentials
