#include "actors/orgs/requests.hpp"

#include <gtest/gtest.h>

namespace gh::orgs {
namespace {

template <class T>
std::string first_field(const decoded<T>& d) {
  const auto* errors = std::get_if<field_errors>(&d);
  return errors == nullptr || errors->empty() ? std::string{} : errors->front().field;
}

TEST(OrgRequests, NamesAreShortPrintableText) {
  EXPECT_EQ(std::get<std::string>(decode_name(R"({"name":"Acme Ltd."})")), "Acme Ltd.");
  EXPECT_EQ(std::get<std::string>(decode_name(R"({"name":"Zürich Ärzte"})")), "Zürich Ärzte");
  EXPECT_EQ(first_field(decode_name(R"({})")), "name");
  EXPECT_EQ(first_field(decode_name(R"({"name":"   "})")), "name");
  EXPECT_EQ(first_field(decode_name(R"({"name":"a\nb"})")), "name");
  EXPECT_EQ(first_field(decode_name(R"({"name":5})")), "name");
  EXPECT_EQ(first_field(decode_name(R"({"name":")" + std::string(101, 'x') + R"("})")), "name");
  EXPECT_TRUE(std::holds_alternative<std::string>(
      decode_name(R"({"name":")" + std::string(100, 'x') + R"("})")));
  EXPECT_EQ(first_field(decode_name(R"({"name":"x","id":"y"})")), "id");
}

TEST(OrgRequests, InvitationsNameOneAddressAndARole) {
  auto req = std::get<invitation_request>(
      decode_invitation(R"({"email":"Ada.Lovelace@Example.COM","role":"admin"})"));
  EXPECT_EQ(req.email, "ada.lovelace@example.com");
  EXPECT_EQ(req.role, tenancy::org_role::admin);
  for (const char* bad :
       {R"({"email":"nobody","role":"member"})", R"({"email":"a@b","role":"member"})",
        R"({"email":"a@b.c, x@y.z","role":"member"})", R"({"email":"<a@b.c>","role":"member"})",
        R"({"email":"a@b.c\r\nBcc: x@y.z","role":"member"})", R"({"role":"member"})"})
    EXPECT_EQ(first_field(decode_invitation(bad)), "email") << bad;
  EXPECT_EQ(first_field(decode_invitation(R"({"email":"a@b.co","role":"god"})")), "role");
  EXPECT_EQ(first_field(decode_invitation(R"({"email":"a@b.co"})")), "role");
}

TEST(OrgRequests, RoleChangesAndTokens) {
  EXPECT_EQ(std::get<tenancy::org_role>(decode_role_change(R"({"role":"viewer"})")),
            tenancy::org_role::viewer);
  EXPECT_EQ(first_field(decode_role_change(R"({"role":"OWNER"})")), "role");
  EXPECT_EQ(first_field(decode_role_change(R"({"role":null})")), "role");
  EXPECT_EQ(std::get<std::string>(decode_acceptance(R"({"token":"abc-DEF_123"})")), "abc-DEF_123");
  for (const char* bad : {R"({"token":""})", R"({"token":"a b"})", R"({"token":"a+b/c="})",
                          R"({"token":7})", R"({})"})
    EXPECT_EQ(first_field(decode_acceptance(bad)), "token") << bad;
  EXPECT_EQ(first_field(decode_acceptance(R"({"token":")" + std::string(129, 'a') + R"("})")),
            "token");
}

} // namespace
} // namespace gh::orgs
