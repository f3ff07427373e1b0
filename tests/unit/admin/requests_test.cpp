#include "actors/admin/requests.hpp"
#include "crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

using namespace gh;
using namespace gh::admin;

namespace {

/// The field names of the errors `decoded` holds (empty when it decoded).
template <class T>
std::vector<std::string> fields_of(const decoded<T>& d) {
  std::vector<std::string> out;
  if (const auto* errors = std::get_if<field_errors>(&d))
    for (const auto& e : *errors)
      out.push_back(e.field);
  return out;
}

template <class T>
bool names(const decoded<T>& d, std::string_view field) {
  for (const auto& f : fields_of(d))
    if (f == field)
      return true;
  return false;
}

} // namespace

// --- scopes -----------------------------------------------------------------------------------

TEST(AdminScopesTest, KnowsExactlyTheDocumentedScopes) {
  for (const auto* s :
       {"keys", "users:read", "users:write", "audit:read", "plans:write", "payments:refund", "*"})
    EXPECT_TRUE(is_known_scope(s)) << s;
  for (const auto* s : {"", "KEYS", "users", "users:*", "admin", " keys", "keys "})
    EXPECT_FALSE(is_known_scope(s)) << s;
}

TEST(AdminScopesTest, StarGrantsEverythingElseOnlyItself) {
  EXPECT_TRUE(grants({"*"}, "keys"));
  EXPECT_TRUE(grants({"*"}, "*"));
  EXPECT_TRUE(grants({"users:read", "keys"}, "keys"));
  EXPECT_FALSE(grants({"users:read"}, "users:write"));
  EXPECT_FALSE(grants({"users:read", "keys"}, "*"));
  EXPECT_FALSE(grants({}, "keys"));
}

TEST(AdminScopesTest, CoversRefusesEscalation) {
  EXPECT_TRUE(covers({"*"}, {"*", "keys"}));
  EXPECT_TRUE(covers({"keys", "users:read"}, {"users:read"}));
  EXPECT_FALSE(covers({"keys", "users:read"}, {"users:read", "users:write"}));
  EXPECT_FALSE(covers({"keys"}, {"*"}));
}

TEST(AdminScopesTest, SplitsPostgresArrayText) {
  EXPECT_EQ(split_scopes("keys,users:read"), (std::vector<std::string>{"keys", "users:read"}));
  EXPECT_EQ(split_scopes("*"), (std::vector<std::string>{"*"}));
  EXPECT_TRUE(split_scopes("").empty());
  EXPECT_EQ(split_scopes(",keys,,"), (std::vector<std::string>{"keys"}));
}

// --- key creation body ------------------------------------------------------------------------

TEST(AdminNewKeyTest, DecodesNameAndSortedUniqueScopes) {
  auto d = decode_new_key(R"({"name":"ci deploy","scopes":["users:read","keys","users:read"]})");
  ASSERT_TRUE(std::holds_alternative<new_key_request>(d)) << fields_of(d).size();
  const auto& r = std::get<new_key_request>(d);
  EXPECT_EQ(r.name, "ci deploy");
  EXPECT_EQ(r.scopes, (std::vector<std::string>{"keys", "users:read"}));
}

TEST(AdminNewKeyTest, AcceptsUnicodeNamesUpTo200Characters) {
  std::string name;
  for (int i = 0; i < 200; ++i)
    name += "\xc3\xa9"; // é: 200 characters, 400 bytes
  auto d = decode_new_key(R"({"name":")" + name + R"(","scopes":["*"]})");
  ASSERT_TRUE(std::holds_alternative<new_key_request>(d));
  EXPECT_EQ(std::get<new_key_request>(d).name, name);
  EXPECT_TRUE(names(decode_new_key(R"({"name":")" + name + R"(e","scopes":["*"]})"), "name"));
}

TEST(AdminNewKeyTest, NamesEveryBadField) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"scopes":["keys"]})", "name"},
      {R"({"name":null,"scopes":["keys"]})", "name"},
      {R"({"name":"","scopes":["keys"]})", "name"},
      {R"({"name":"   ","scopes":["keys"]})", "name"},
      {R"({"name":42,"scopes":["keys"]})", "name"},
      {R"({"name":"a\u0000b","scopes":["keys"]})", "name"},
      {R"({"name":"a\nb","scopes":["keys"]})", "name"},
      {R"({"name":"a\u0085b","scopes":["keys"]})", "name"},
      {R"({"name":")" + std::string(201, 'n') + R"(","scopes":["keys"]})", "name"},
      {R"({"name":"k"})", "scopes"},
      {R"({"name":"k","scopes":null})", "scopes"},
      {R"({"name":"k","scopes":[]})", "scopes"},
      {R"({"name":"k","scopes":"keys"})", "scopes"},
      {R"({"name":"k","scopes":["keys","root"]})", "scopes"},
      {R"({"name":"k","scopes":["keys",1]})", "scopes"},
      {R"({"name":"k","scopes":[["keys"]]})", "scopes"},
      {R"({"name":"k","scopes":["KEYS"]})", "scopes"},
      {R"({"name":"k","scopes":["keys","keys","keys","keys","keys","keys","keys","keys","keys",
          "keys","keys","keys","keys","keys","keys","keys","keys"]})",
       "scopes"},
      {R"({"name":"k","scopes":["keys"],"key":"gh_mine"})", "key"},
      {R"({"name":"k","scopes":["keys"],"created_by":"bootstrap"})", "created_by"},
  };
  for (const auto& [body, field] : cases) {
    auto d = decode_new_key(body);
    EXPECT_TRUE(names(d, field)) << body;
  }
}

TEST(AdminNewKeyTest, ReportsEveryProblemAtOnce) {
  auto d = decode_new_key(R"({"name":"","scopes":[]})");
  EXPECT_TRUE(names(d, "name"));
  EXPECT_TRUE(names(d, "scopes"));
}

TEST(AdminNewKeyTest, MalformedInputIsAProblemOnTheBody) {
  const std::vector<std::string> cases{
      "",
      "   ",
      "{",
      R"({"name":"k","scopes":["keys"]} x)",
      R"(["name","scopes"])",
      "null",
      "42",
      R"("name")",
      "{\"name\":\"\xff\xfe\",\"scopes\":[\"keys\"]}",
      R"({"name":"k","scopes":["keys"],"name":"again"})",
      std::string(20000, '['),
      "{\"name\":\"" + std::string(17 * 1024, 'a') + "\",\"scopes\":[\"keys\"]}",
  };
  for (const auto& body : cases) {
    auto d = decode_new_key(body);
    ASSERT_TRUE(std::holds_alternative<field_errors>(d)) << body.substr(0, 60);
    EXPECT_FALSE(std::get<field_errors>(d).empty());
  }
}

TEST(AdminNewKeyTest, UnknownFieldNamesAreEchoedSafely) {
  auto d = decode_new_key("{\"na\\u00e9\\u0001me\":1,\"name\":\"k\",\"scopes\":[\"keys\"]}");
  ASSERT_TRUE(std::holds_alternative<field_errors>(d));
  for (const auto& e : std::get<field_errors>(d))
    for (const char c : e.field)
      EXPECT_TRUE(c >= 0x20 && c < 0x7f) << e.field;
}

// --- cursors ----------------------------------------------------------------------------------

TEST(AdminCursorTest, UserCursorRoundTrips) {
  const user_cursor c{1704067200123456, "0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"};
  const auto text = encode_user_cursor(c);
  EXPECT_EQ(
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  const auto back = decode_user_cursor(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->created_us, c.created_us);
  EXPECT_EQ(back->id, c.id);
}

TEST(AdminCursorTest, AuditCursorRoundTrips) {
  for (const int64_t id : {int64_t{1}, int64_t{42}, int64_t{999999999999999999}}) {
    const auto back = decode_audit_cursor(encode_audit_cursor(id));
    ASSERT_TRUE(back) << id;
    EXPECT_EQ(*back, id);
  }
}

TEST(AdminCursorTest, RefusesAnythingItDidNotMake) {
  const auto b64 = [](std::string_view s) { return crypto::base64url_encode(s); };
  for (const auto& text : std::vector<std::string>{
           "",
           "not base64!",
           "dTEu", // "u1."
           b64("u1.123"),
           b64("u1.abc.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"),
           b64("u1.1.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8"),
           b64("u1.1.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f.x"),
           b64("u1.12345678901234567890.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"),
           b64("u1.-1.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"),
           b64("u1.999999999999999999.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"),
           b64("u1. 1.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"),
           b64("a1.5"),
           b64("u2.1.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"),
           b64("u1.1.0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f") + "=",
           std::string(200, 'A'),
       })
    EXPECT_FALSE(decode_user_cursor(text)) << text;
  for (const auto& text : std::vector<std::string>{
           "", b64("a1."), b64("a1.0"), b64("a1.-3"), b64("a1.x"), b64("a1.1 "),
           b64("a1.9999999999999999999"), b64("u1.5"), b64("a1.5") + "=", "YTEuNQ=="})
    EXPECT_FALSE(decode_audit_cursor(text)) << text;
}

// --- query strings ----------------------------------------------------------------------------

TEST(AdminQueryTest, UserQueryDefaultsAndDecoding) {
  auto d = decode_user_query("");
  ASSERT_TRUE(std::holds_alternative<user_query>(d));
  EXPECT_EQ(std::get<user_query>(d).limit, default_limit);
  EXPECT_TRUE(std::get<user_query>(d).search.empty());
  EXPECT_FALSE(std::get<user_query>(d).after);

  const auto cursor = encode_user_cursor({5, "0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"});
  d = decode_user_query("query=J%C3%BCrgen+M%25_&limit=200&cursor=" + cursor + "&");
  ASSERT_TRUE(std::holds_alternative<user_query>(d)) << fields_of(d).size();
  const auto& q = std::get<user_query>(d);
  EXPECT_EQ(q.search, "J\xc3\xbcrgen M%_");
  EXPECT_EQ(q.limit, 200);
  ASSERT_TRUE(q.after);
  EXPECT_EQ(q.after->created_us, 5);

  d = decode_user_query("query=&cursor=&limit=");
  ASSERT_TRUE(std::holds_alternative<user_query>(d));
  EXPECT_EQ(std::get<user_query>(d).limit, default_limit);
}

TEST(AdminQueryTest, BadParametersAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"limit=0", "limit"},
      {"limit=201", "limit"},
      {"limit=-1", "limit"},
      {"limit=1e2", "limit"},
      {"limit=ten", "limit"},
      {"limit=5&limit=6", "limit"},
      {"limit=99999999999999999999", "limit"},
      {"cursor=nope", "cursor"},
      {"cursor=" + encode_audit_cursor(5), "cursor"},
      {"query=%zz", "query"},
      {"query=%4", "query"},
      {"query=%", "query"},
      {"query=%00", "query"},
      {"query=%FF", "query"},
      {"query=a%0Ab", "query"},
      {"query=" + std::string(201, 'q'), "query"},
      {"admin=1", "admin"},
      {"sort=email", "sort"},
  };
  for (const auto& [query, field] : cases) {
    auto d = decode_user_query(query);
    EXPECT_TRUE(names(d, field)) << query;
  }
  // Unprintable parameter names are not echoed as they are.
  auto d = decode_user_query("%01%FF=1");
  ASSERT_TRUE(std::holds_alternative<field_errors>(d));
  for (const auto& f : fields_of(d))
    for (const char c : f)
      EXPECT_TRUE(c >= 0x20 && c < 0x7f);
}

TEST(AdminQueryTest, AuditQuery) {
  auto d = decode_audit_query("cursor=" + encode_audit_cursor(77) + "&limit=3");
  ASSERT_TRUE(std::holds_alternative<audit_query>(d));
  EXPECT_EQ(std::get<audit_query>(d).before, 77);
  EXPECT_EQ(std::get<audit_query>(d).limit, 3);
  EXPECT_TRUE(names(decode_audit_query("query=x"), "query"));
  EXPECT_TRUE(
      names(decode_audit_query("cursor=" +
                               encode_user_cursor({1, "0b6f8a52-4d0c-4a8e-9f7e-3c2b1a0d9e8f"})),
            "cursor"));
  EXPECT_TRUE(names(decode_audit_query("limit=500"), "limit"));
}

TEST(AdminQueryTest, LikePatternEscapesWildcards) {
  EXPECT_EQ(like_pattern("bob"), "%bob%");
  EXPECT_EQ(like_pattern(""), "%%");
  EXPECT_EQ(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
}

TEST(AdminQueryTest, FormDecode) {
  EXPECT_EQ(form_decode("a+b%20c%2Bd"), "a b c+d");
  EXPECT_EQ(form_decode(""), "");
  EXPECT_FALSE(form_decode("%"));
  EXPECT_FALSE(form_decode("%a"));
  EXPECT_FALSE(form_decode("%g0"));
  EXPECT_FALSE(form_decode("ab%"));
}

TEST(AdminQueryTest, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));     // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));         // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));             // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8(std::string_view{"\xff", 1}));
}
