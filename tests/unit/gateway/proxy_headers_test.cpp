#include "gateway/proxy_headers.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace gh;
namespace http = boost::beast::http;

namespace {

const cookie_names names{};

forward_facts facts(std::string_view ip = "203.0.113.7") {
  return {"req-1", ip, "https", "gen.internal:9000", &names};
}

http::fields build(const http::fields& in, const forward_identity& who = {"u-1", "t-1", "jwt"},
                   std::string_view ip = "203.0.113.7") {
  http::fields out;
  build_upstream_fields(in, facts(ip), who, out);
  return out;
}

std::string value(const http::fields& f, std::string_view name) {
  auto it = f.find(name);
  return it == f.end() ? std::string{"<absent>"} : std::string{it->value()};
}

} // namespace

TEST(ProxyHeadersTest, RemovesHopByHopAndWhatConnectionNames) {
  http::fields in;
  in.set(http::field::host, "api.example.com");
  in.set(http::field::connection, "keep-alive, X-Secret-Hop");
  in.set("X-Secret-Hop", "1");
  in.set("Keep-Alive", "timeout=5");
  in.set("Proxy-Connection", "keep-alive");
  in.set(http::field::te, "trailers");
  in.set(http::field::transfer_encoding, "chunked");
  in.set(http::field::upgrade, "h2c");
  in.set(http::field::trailer, "X-T");
  in.set(http::field::content_length, "5");
  in.set(http::field::accept, "text/event-stream");
  auto out = build(in);
  for (const char* name : {"Connection", "X-Secret-Hop", "Keep-Alive", "Proxy-Connection", "TE",
                           "Transfer-Encoding", "Upgrade", "Trailer", "Content-Length"})
    EXPECT_EQ(value(out, name), "<absent>") << name;
  EXPECT_EQ(value(out, "Accept"), "text/event-stream");
}

TEST(ProxyHeadersTest, NeverForwardsCredentialsOrClientIdentity) {
  http::fields in;
  in.set(http::field::authorization, "Bearer secret");
  in.set(http::field::proxy_authorization, "Basic x");
  in.set("X-CSRF-Token", "csrf");
  in.set("X-Gatehouse-User-Id", "someone-else");
  in.insert("x-gatehouse-tenant-id", "other-tenant");
  in.set("X-Gatehouse-Identity", "forged");
  in.set("X-GATEHOUSE-ANYTHING", "1");
  in.set(http::field::expect, "100-continue");
  auto out = build(in);
  for (const char* name :
       {"Authorization", "Proxy-Authorization", "X-CSRF-Token", "X-Gatehouse-Anything", "Expect"})
    EXPECT_EQ(value(out, name), "<absent>") << name;
  EXPECT_EQ(value(out, "X-Gatehouse-User-Id"), "u-1");
  EXPECT_EQ(value(out, "X-Gatehouse-Tenant-Id"), "t-1");
  EXPECT_EQ(value(out, "X-Gatehouse-Identity"), "jwt");
  EXPECT_EQ(std::distance(out.equal_range("X-Gatehouse-User-Id").first,
                          out.equal_range("X-Gatehouse-User-Id").second),
            1);
}

TEST(ProxyHeadersTest, AnonymousCallerGetsNoIdentityEvenWhenSpoofed) {
  http::fields in;
  in.set("X-Gatehouse-User-Id", "admin");
  auto out = build(in, {});
  EXPECT_EQ(value(out, "X-Gatehouse-User-Id"), "<absent>");
  EXPECT_EQ(value(out, "X-Gatehouse-Identity"), "<absent>");
}

TEST(ProxyHeadersTest, KeepsOtherCookiesOnly) {
  http::fields in;
  in.insert(http::field::cookie, "theme=dark; gh_access=tok; gh_csrf=c");
  in.insert(http::field::cookie, "__Host-gh_refresh=r; lang=fr");
  auto out = build(in);
  EXPECT_EQ(value(out, "Cookie"), "theme=dark; lang=fr");
  http::fields only_ours;
  only_ours.set(http::field::cookie, "gh_access=a; gh_refresh=b");
  EXPECT_EQ(value(build(only_ours), "Cookie"), "<absent>");
  EXPECT_EQ(strip_session_cookies("a=1;gh_csrf=2 ;  b=3", names), "a=1; b=3");
  // A pair whose name is no token could hide one of ours from a lenient parser: it goes too.
  EXPECT_EQ(strip_session_cookies("x y __Host-gh_csrf=c; c=2; =3", names), "c=2");
}

TEST(ProxyHeadersTest, ForwardingFieldsComeFromWhatGatehouseSaw) {
  http::fields in;
  in.set(http::field::host, "api.example.com");
  in.set(http::field::forwarded, "for=1.2.3.4");
  in.set("X-Forwarded-For", "1.2.3.4");
  in.set("X-Forwarded-Proto", "http");
  in.set("X-Forwarded-Host", "evil");
  in.set("X-Request-Id", "client-chosen");
  auto out = build(in);
  EXPECT_EQ(value(out, "Host"), "gen.internal:9000");
  EXPECT_EQ(value(out, "Forwarded"), "for=203.0.113.7;host=\"api.example.com\";proto=https");
  EXPECT_EQ(value(out, "X-Forwarded-For"), "203.0.113.7");
  EXPECT_EQ(value(out, "X-Forwarded-Proto"), "https");
  EXPECT_EQ(value(out, "X-Forwarded-Host"), "api.example.com");
  EXPECT_EQ(value(out, "X-Request-Id"), "req-1");
  EXPECT_EQ(value(build(in, {}, "::1"), "Forwarded"),
            "for=\"[::1]\";host=\"api.example.com\";proto=https");
}

TEST(ProxyHeadersTest, ResponseLosesHopByHopFields) {
  http::fields f;
  f.set(http::field::connection, "close, X-Hop");
  f.set("X-Hop", "1");
  f.set(http::field::transfer_encoding, "chunked");
  f.set(http::field::content_length, "12");
  f.set("Keep-Alive", "timeout=5");
  f.set(http::field::content_type, "text/event-stream");
  f.set(http::field::set_cookie, "app=1");
  filter_response_fields(f);
  for (const char* name :
       {"Connection", "X-Hop", "Transfer-Encoding", "Content-Length", "Keep-Alive"})
    EXPECT_EQ(value(f, name), "<absent>") << name;
  EXPECT_EQ(value(f, "Content-Type"), "text/event-stream");
  EXPECT_EQ(value(f, "Set-Cookie"), "app=1");
}
