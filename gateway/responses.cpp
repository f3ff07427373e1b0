#include "gateway/responses.hpp"

#include <boost/beast/http/field.hpp>

namespace gh {

namespace http = boost::beast::http;

namespace {

void common_headers(beast_response& out, const std::string& request_id, bool hsts) {
  out.set("X-Request-Id", request_id);
  // A handler may set its own caching and policy (the console's page and assets); every other
  // answer is never cached and may load nothing.
  if (out.find(http::field::cache_control) == out.end())
    out.set(http::field::cache_control, "no-store");
  out.set("X-Content-Type-Options", "nosniff");
  out.set("X-Frame-Options", "DENY");
  out.set("Referrer-Policy", "no-referrer");
  if (out.find("Content-Security-Policy") == out.end())
    out.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  out.set("Cross-Origin-Resource-Policy", "same-origin");
  if (hsts)
    out.set(http::field::strict_transport_security, "max-age=63072000; includeSubDomains");
}

} // namespace

void build_response(beast_response& out, http_response&& in, const std::string& request_id,
                    bool hsts, bool keep_alive) {
  out.result(static_cast<unsigned>(in.status));
  out.version(11);
  for (auto& [name, value] : in.headers)
    out.insert(name, value); // several Set-Cookie headers may come

  out.set(http::field::content_type, in.content_type);
  common_headers(out, request_id, hsts);
  out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
}

void build_problem(beast_response& out, const problem& p, bool hsts, bool keep_alive) {
  out.result(static_cast<unsigned>(p.status));
  out.version(11);
  out.set(http::field::content_type, "application/problem+json");
  common_headers(out, p.request_id, hsts);
  out.body() = to_json(p);
  out.keep_alive(keep_alive);
  out.prepare_payload();
}

void serialize_head(const beast_response& res, std::string& out) {
  const auto reason = res.reason();
  std::size_t size = 12 + reason.size() + 2 + 2;
  for (const auto& field : res)
    size += field.name_string().size() + 2 + field.value().size() + 2;
  out.clear();
  out.reserve(size);
  out += "HTTP/1.1 ";
  const auto status = res.result_int();
  out += static_cast<char>('0' + status / 100 % 10);
  out += static_cast<char>('0' + status / 10 % 10);
  out += static_cast<char>('0' + status % 10);
  out += ' ';
  out += reason;
  out += "\r\n";
  for (const auto& field : res) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
}

} // namespace gh
