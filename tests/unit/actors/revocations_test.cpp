#include "actors/cookies.hpp"
#include "actors/revocations.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace gh;

TEST(RevocationListTest, RevokedUntilExpiry) {
  revocation_list list;
  list.revoke("jti-1", 1000);
  EXPECT_TRUE(list.is_revoked("jti-1", 999));
  EXPECT_FALSE(list.is_revoked("jti-1", 1000));
  EXPECT_FALSE(list.is_revoked("jti-1", 1001));
  EXPECT_FALSE(list.is_revoked("jti-2", 999));

  // A later revocation extends; an earlier one does not shorten.
  list.revoke("jti-1", 2000);
  list.revoke("jti-1", 1500);
  EXPECT_TRUE(list.is_revoked("jti-1", 1800));
}

TEST(RevocationListTest, MergeAddsAndDropsExpired) {
  revocation_list list;
  list.revoke("old", 100);
  list.revoke("kept", 500);
  list.merge({{"new", 300}, {"stale", 50}, {"kept", 200}}, 150);
  EXPECT_EQ(list.size(), 2U);
  EXPECT_FALSE(list.is_revoked("old", 99)); // forgotten, not merely past
  EXPECT_TRUE(list.is_revoked("new", 150));
  EXPECT_FALSE(list.is_revoked("stale", 40));
  EXPECT_TRUE(list.is_revoked("kept", 400));
}

TEST(RevocationListTest, EmptyIdIsNeverRevoked) {
  revocation_list list;
  list.revoke("", 9'999'999'999);
  EXPECT_FALSE(list.is_revoked("", 0));
}

TEST(CookieTest, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("a=1; gh_access=xyz; b=2", "gh_access"), "xyz");
  EXPECT_EQ(cookie_value("gh_access=xyz", "gh_access"), "xyz");
  EXPECT_EQ(cookie_value("a=1;gh_access = xyz ;b=2", "gh_access"), "xyz");
  EXPECT_EQ(cookie_value("a=1; b=2", "gh_access"), "");
  EXPECT_EQ(cookie_value("", "gh_access"), "");
  EXPECT_EQ(cookie_value("flag; gh_access=v", "gh_access"), "v");
  EXPECT_EQ(cookie_value("gh_access=\"quoted\"", "gh_access"), "quoted");
  EXPECT_EQ(cookie_value("gh_access=a=b", "gh_access"), "a=b");
}

TEST(CookieTest, SessionCookiesInOnePass) {
  const cookie_names names;
  auto c = read_session_cookies("a=1; gh_csrf=c; gh_access=\"t\" ;gh_refresh=r", names);
  EXPECT_EQ(c.access, "t");
  EXPECT_EQ(c.refresh, "r");
  EXPECT_EQ(c.csrf, "c");
  EXPECT_FALSE(c.repeated);

  c = read_session_cookies("gh_access_x=1; flag; xgh_refresh=2; __Host-gh_csrf=3", names);
  EXPECT_EQ(c.access, "");
  EXPECT_EQ(c.refresh, "");
  EXPECT_EQ(c.csrf, "");
  EXPECT_FALSE(c.repeated);
  EXPECT_FALSE(read_session_cookies("", names).repeated);

  // Production's names are the `__Host-` ones only.
  c = read_session_cookies("gh_access=plain; __Host-gh_access=host",
                           cookie_names::for_production(true));
  EXPECT_EQ(c.access, "host");
  EXPECT_FALSE(c.repeated);
}

TEST(CookieTest, AnyOfTheSessionCookiesTwiceIsSeen) {
  const cookie_names names;
  for (const auto* header : {"gh_access=1; gh_access=2", "gh_refresh=1; a=b; gh_refresh=",
                             "gh_csrf=planted; gh_access=t; gh_csrf=real"}) {
    const auto c = read_session_cookies(header, names);
    EXPECT_TRUE(c.repeated) << header;
  }
  // The first value is the one kept.
  EXPECT_EQ(read_session_cookies("gh_access=1; gh_access=2", names).access, "1");
  // Other cookies may repeat.
  EXPECT_FALSE(read_session_cookies("a=1; a=2; gh_access=t", names).repeated);
}

TEST(CookieTest, PrefixOfAnotherNameDoesNotMatch) {
  EXPECT_EQ(cookie_value("gh_access_x=1", "gh_access"), "");
  EXPECT_EQ(cookie_value("gh_access_x=1; gh_access=real", "gh_access"), "real");
  EXPECT_EQ(cookie_value("xgh_access=1", "gh_access"), "");
  EXPECT_EQ(cookie_value("__Host-gh_access=1", "gh_access"), "");
  EXPECT_EQ(cookie_value("__Host-gh_access=1", "__Host-gh_access"), "1");
}

TEST(CookieTest, ProductionNamesUseHostPrefix) {
  EXPECT_EQ(cookie_names::for_production(false).access, "gh_access");
  const auto prod = cookie_names::for_production(true);
  EXPECT_EQ(prod.access, "__Host-gh_access");
  EXPECT_EQ(prod.refresh, "__Host-gh_refresh");
  EXPECT_EQ(prod.csrf, "__Host-gh_csrf");
}
