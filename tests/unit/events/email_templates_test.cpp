#include "actors/events/email_templates.hpp"

#include <gtest/gtest.h>

namespace gh::email {
namespace {

TEST(EmailTemplates, WelcomeUsesTheNameOrAFriendlyDefault) {
  auto named = std::get<rendered>(render("welcome", {{"name", "Ada"}}));
  EXPECT_EQ(named.subject, "Welcome to Gatehouse");
  EXPECT_NE(named.text.find("Hello Ada,"), std::string::npos);
  auto anonymous = std::get<rendered>(render("welcome", {}));
  EXPECT_NE(anonymous.text.find("Hello there,"), std::string::npos);
}

TEST(EmailTemplates, HtmlPartEscapesVariablesTextPartKeepsThem) {
  auto r = std::get<rendered>(render("welcome", {{"name", "<script>alert('x')</script> & co"}}));
  EXPECT_NE(r.text.find("Hello <script>alert('x')</script> & co,"), std::string::npos);
  EXPECT_EQ(r.html.find("<script>"), std::string::npos);
  EXPECT_NE(r.html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"),
            std::string::npos);
}

TEST(EmailTemplates, AMessageSmuggledInANameNeverReachesTheMail) {
  // The security review's registration payload, as a stored name would carry it.
  const std::string payload =
      "there.\r\n\r\nYour account was flagged. Verify now at https://evil.example \xe2\x80\xa6";
  auto r = std::get<rendered>(render("welcome", {{"name", payload}}));
  for (const auto* part : {&r.subject, &r.text, &r.html}) {
    EXPECT_EQ(part->find("evil.example"), std::string::npos) << *part;
    EXPECT_EQ(part->find("flagged"), std::string::npos) << *part;
  }
  EXPECT_NE(r.text.find("Hello there,\n"), std::string::npos) << r.text;
  // A bidi override or an invisible-only name is no name either.
  for (const std::string name : {"\xe2\x80\xae"
                                 "evil",
                                 "\xe2\x80\x8b", "  "}) {
    auto other = std::get<rendered>(render("welcome", {{"name", name}}));
    EXPECT_NE(other.text.find("Hello there,"), std::string::npos) << name;
  }
  // A good name is kept, trimmed.
  auto fine = std::get<rendered>(render("welcome", {{"name", " Zo\xc3\xab "}}));
  EXPECT_NE(fine.text.find("Hello Zo\xc3\xab,"), std::string::npos);
}

TEST(EmailTemplates, EveryVariableStaysOnItsLineInTheTextPart) {
  auto r = std::get<rendered>(
      render("password_reset", {{"reset_url", "https://app/reset?token=t"},
                                {"expires_in_minutes", "30\r\n\r\nCall +1 555 0100 now"}}));
  EXPECT_EQ(r.text.find("\r"), std::string::npos);
  EXPECT_NE(r.text.find("within 30    Call +1 555 0100 now minutes"), std::string::npos) << r.text;
  EXPECT_EQ(r.html.find("\r"), std::string::npos);
  // A URL stands alone on its line: no spaces or controls in it.
  for (const std::string url : {"https://app/reset?t=1\r\n\r\nhttps://evil.example",
                                "https://app/reset?t=1 https://evil.example"})
    EXPECT_TRUE(std::holds_alternative<render_error>(
        render("password_reset", {{"reset_url", url}, {"expires_in_minutes", "30"}})))
        << url;
}

TEST(EmailTemplates, PasswordResetNeedsItsVariables) {
  auto missing = render("password_reset", {{"reset_url", "https://app/reset?token=t"}});
  ASSERT_TRUE(std::holds_alternative<render_error>(missing));
  EXPECT_NE(std::get<render_error>(missing).message.find("expires_in_minutes"), std::string::npos);
  auto ok = std::get<rendered>(
      render("password_reset",
             {{"reset_url", "https://app/reset?token=a&b=\"c\""}, {"expires_in_minutes", "30"}}));
  EXPECT_NE(ok.text.find("https://app/reset?token=a&b=\"c\""), std::string::npos);
  EXPECT_NE(ok.html.find(R"(href="https://app/reset?token=a&amp;b=&quot;c&quot;")"),
            std::string::npos);
  EXPECT_NE(ok.text.find("within 30 minutes"), std::string::npos);
}

TEST(EmailTemplates, RefusesUnknownTemplatesAndNonHttpUrls) {
  EXPECT_TRUE(std::holds_alternative<render_error>(render("no_such_template", {})));
  EXPECT_TRUE(std::holds_alternative<render_error>(render(
      "password_reset", {{"reset_url", "javascript:alert(1)"}, {"expires_in_minutes", "30"}})));
}

TEST(EmailTemplates, OrgInvitationEscapesTheOrganizationAndCarriesTheLink) {
  auto missing = render("org_invitation", {{"org_name", "Acme"}, {"role", "member"}});
  ASSERT_TRUE(std::holds_alternative<render_error>(missing));
  EXPECT_NE(std::get<render_error>(missing).message.find("invite_url"), std::string::npos);
  auto r = std::get<rendered>(
      render("org_invitation", {{"invite_url", "https://app.example/invitations/accept?token=t0k"},
                                {"org_name", "<b>Acme</b> & \"Sons\""},
                                {"role", "viewer"},
                                {"inviter", "Ada"}}));
  EXPECT_EQ(r.subject, "You are invited to join <b>Acme</b> & \"Sons\"");
  EXPECT_NE(r.text.find("Ada invited you to join <b>Acme</b> & \"Sons\" as viewer"),
            std::string::npos);
  EXPECT_NE(r.text.find("within 7 days"), std::string::npos);
  EXPECT_NE(r.text.find("https://app.example/invitations/accept?token=t0k"), std::string::npos);
  EXPECT_EQ(r.html.find("<b>Acme"), std::string::npos);
  EXPECT_NE(r.html.find("&lt;b&gt;Acme&lt;/b&gt; &amp; &quot;Sons&quot;"), std::string::npos);
  EXPECT_NE(r.html.find(R"(href="https://app.example/invitations/accept?token=t0k")"),
            std::string::npos);
  // A name with a line break cannot add a header through the subject.
  auto header =
      std::get<rendered>(render("org_invitation", {{"invite_url", "https://a/b"},
                                                   {"org_name", "x\r\nBcc: evil@example.com"},
                                                   {"role", "member"}}));
  EXPECT_EQ(header.subject.find('\n'), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<render_error>(
      render("org_invitation",
             {{"invite_url", "data:text/html,x"}, {"org_name", "A"}, {"role", "member"}})));
}

TEST(EmailTemplates, HtmlEscapeCoversTheFiveCharacters) {
  EXPECT_EQ(html_escape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

} // namespace
} // namespace gh::email
