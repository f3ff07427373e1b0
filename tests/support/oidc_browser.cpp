#include "tests/support/oidc_browser.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace gh::test {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// An absolute http URL taken apart.
struct browser_url {
  std::string host;
  std::string port;
  std::string target; ///< path and query
  std::string origin() const { return host + ":" + port; }
  std::string path() const { return target.substr(0, target.find('?')); }
};

browser_url browser_parse_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme)
    throw std::invalid_argument("oidc_browser speaks plain http only: " + std::string{url});
  url.remove_prefix(scheme.size());
  const auto slash = url.find_first_of("/?");
  auto authority = url.substr(0, slash);
  browser_url out;
  out.target = slash == std::string_view::npos ? "/" : std::string{url.substr(slash)};
  if (out.target.front() == '?')
    out.target.insert(0, "/");
  const auto colon = authority.rfind(':');
  out.host = std::string{authority.substr(0, colon)};
  out.port = colon == std::string_view::npos ? "80" : std::string{authority.substr(colon + 1)};
  return out;
}

/// `location` resolved against the URL it came from (absolute, absolute-path or relative).
std::string browser_resolve(const std::string& base, const std::string& location) {
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0)
    return location;
  const auto u = browser_parse_url(base);
  const auto root = "http://" + u.origin();
  if (!location.empty() && location.front() == '/')
    return root + location;
  const auto path = u.path();
  return root + path.substr(0, path.rfind('/') + 1) + location;
}

std::string browser_lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string browser_trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string{s.substr(b, e - b + 1)};
}

/// Decodes the HTML character references templates write (`&amp;`, `&quot;`, `&#39;`, `&#x2F;`).
std::string browser_unescape_html(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto semi = s[i] == '&' ? s.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    const auto ref = s.substr(i + 1, semi - i - 1);
    if (ref == "amp")
      out += '&';
    else if (ref == "lt")
      out += '<';
    else if (ref == "gt")
      out += '>';
    else if (ref == "quot")
      out += '"';
    else if (ref == "apos")
      out += '\'';
    else if (ref.size() > 1 && ref.front() == '#') {
      const bool hex = ref[1] == 'x' || ref[1] == 'X';
      const auto digits = std::string{ref.substr(hex ? 2 : 1)};
      if (digits.empty() || digits.size() > 6) {
        out += s[i];
        continue;
      }
      char* end = nullptr;
      const auto code = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (*end != '\0' || code > 0x7f) { // the forms only carry ASCII references
        out += s[i];
        continue;
      }
      out += static_cast<char>(code);
    } else {
      out += s[i];
      continue;
    }
    i = semi;
  }
  return out;
}

/// The attributes of one tag (`<input a="b" c>`): names in lower case, values unescaped.
std::map<std::string, std::string> browser_attributes(std::string_view tag) {
  std::map<std::string, std::string> out;
  std::size_t i = tag.find_first_of(" \t\r\n");
  while (i != std::string_view::npos && i < tag.size()) {
    i = tag.find_first_not_of(" \t\r\n/>", i);
    if (i == std::string_view::npos)
      break;
    const auto name_end = tag.find_first_of("= \t\r\n/>", i);
    const auto name = browser_lower(tag.substr(i, name_end - i));
    i = name_end;
    if (i == std::string_view::npos || tag[i] != '=') {
      out.emplace(name, "");
      continue;
    }
    ++i;
    std::string value;
    if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
      const auto close = tag.find(tag[i], i + 1);
      if (close == std::string_view::npos)
        break;
      value = std::string{tag.substr(i + 1, close - i - 1)};
      i = close + 1;
    } else {
      const auto end = tag.find_first_of(" \t\r\n>", i);
      value = std::string{tag.substr(i, end - i)};
      i = end;
    }
    out.emplace(name, browser_unescape_html(value));
  }
  return out;
}

bool browser_path_matches(const std::string& request_path, const std::string& cookie_path) {
  if (request_path.rfind(cookie_path, 0) != 0)
    return false;
  return request_path.size() == cookie_path.size() || cookie_path.back() == '/' ||
         request_path[cookie_path.size()] == '/';
}

char browser_hex(unsigned v) {
  return "0123456789ABCDEF"[v & 0xf];
}

std::string browser_percent_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += browser_hex(c >> 4U);
      out += browser_hex(c);
    }
  }
  return out;
}

std::string browser_percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) != 0 &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(std::string{s.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

} // namespace

std::optional<html_form> first_form(std::string_view html) {
  const auto lower = browser_lower(html);
  const auto start = lower.find("<form");
  if (start == std::string::npos)
    return std::nullopt;
  const auto tag_end = lower.find('>', start);
  if (tag_end == std::string::npos)
    return std::nullopt;
  auto end = lower.find("</form", tag_end);
  if (end == std::string::npos)
    end = lower.size();
  html_form form;
  auto attrs = browser_attributes(html.substr(start, tag_end - start));
  form.action = attrs["action"];
  form.method = attrs.count("method") != 0 ? browser_lower(attrs["method"]) : "get";
  for (auto at = lower.find("<input", tag_end); at != std::string::npos && at < end;
       at = lower.find("<input", at + 1)) {
    const auto close = lower.find('>', at);
    if (close == std::string::npos)
      break;
    auto input = browser_attributes(html.substr(at, close - at));
    if (input.count("name") != 0 && !input["name"].empty())
      form.fields.emplace_back(input["name"], input["value"]);
  }
  return form;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty())
      out += '&';
    out += browser_percent_encode(k) + "=" + browser_percent_encode(v);
  }
  return out;
}

std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  const auto q = url.find('?');
  if (q == std::string_view::npos)
    return std::nullopt;
  auto query = url.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (browser_percent_decode(pair.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string{}
                                          : browser_percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

void oidc_browser::store(const std::string& url, std::string_view set_cookie) {
  const auto u = browser_parse_url(url);
  const auto semi = set_cookie.find(';');
  const auto pair = set_cookie.substr(0, semi);
  const auto eq = pair.find('=');
  if (eq == std::string_view::npos)
    return;
  stored_cookie c{
      u.origin(), browser_trim(pair.substr(0, eq)), {}, browser_trim(pair.substr(eq + 1))};
  // The default path is the request path's directory (RFC 6265 section 5.1.4).
  const auto req_path = u.path();
  c.path = req_path.substr(0, std::max<std::size_t>(req_path.rfind('/'), 1));
  bool expired = false;
  auto rest = semi == std::string_view::npos ? std::string_view{} : set_cookie.substr(semi + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const auto attr = rest.substr(0, next);
    const auto aeq = attr.find('=');
    const auto name = browser_lower(browser_trim(attr.substr(0, aeq)));
    const auto value =
        aeq == std::string_view::npos ? std::string{} : browser_trim(attr.substr(aeq + 1));
    if (name == "path" && !value.empty() && value.front() == '/')
      c.path = value;
    else if (name == "max-age" && !value.empty() && (value.front() == '-' || value == "0"))
      expired = true;
    else if (name == "expires" && value.find("1970") != std::string::npos)
      expired = true; // how servers clear a cookie
    if (next == std::string_view::npos)
      break;
    rest.remove_prefix(next + 1);
  }
  std::erase_if(jar_, [&](const stored_cookie& o) {
    return o.origin == c.origin && o.name == c.name && o.path == c.path;
  });
  if (!expired)
    jar_.push_back(std::move(c));
}

std::string oidc_browser::cookie_header(const std::string& url) const {
  const auto u = browser_parse_url(url);
  const auto path = u.path();
  // Longer paths first (RFC 6265 section 5.4).
  std::vector<const stored_cookie*> matching;
  for (const auto& c : jar_)
    if (c.origin == u.origin() && browser_path_matches(path, c.path))
      matching.push_back(&c);
  std::stable_sort(matching.begin(), matching.end(),
                   [](auto* l, auto* r) { return l->path.size() > r->path.size(); });
  std::string out;
  for (const auto* c : matching)
    out += (out.empty() ? "" : "; ") + c->name + "=" + c->value;
  return out;
}

std::optional<std::string> oidc_browser::cookie(const std::string& url,
                                                std::string_view name) const {
  const auto u = browser_parse_url(url);
  for (const auto& c : jar_)
    if (c.origin == u.origin() && c.name == name && browser_path_matches(u.path(), c.path))
      return c.value;
  return std::nullopt;
}

browser_reply oidc_browser::request(const std::string& method, const std::string& url,
                                    const std::string& body,
                                    const std::map<std::string, std::string>& headers) {
  const auto u = browser_parse_url(url);
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds{30});
  stream.connect(resolver.resolve(u.host, u.port));
  http::request<http::string_body> req{http::string_to_verb(method), u.target, 11};
  req.set(http::field::host, u.origin());
  req.set(http::field::user_agent, "gatehouse-oidc-browser");
  if (auto cookies = cookie_header(url); !cookies.empty())
    req.set(http::field::cookie, cookies);
  for (const auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  http::read(stream, buffer, parser);
  const auto& res = parser.get();
  browser_reply out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    out.headers[browser_lower(f.name_string())] = std::string{f.value()};
    if (f.name() == http::field::set_cookie)
      store(url, f.value());
  }
  out.body = res.body();
  if (auto it = out.headers.find("location"); it != out.headers.end())
    out.location = browser_resolve(url, it->second);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

std::optional<std::string> oidc_browser::authorize(const std::string& url,
                                                   std::string_view stop_prefix,
                                                   const std::string& login,
                                                   const std::string& password, int max_steps) {
  trace_.clear();
  std::string method = "GET";
  std::string next = url;
  std::string body;
  for (int step = 0; step < max_steps; ++step) {
    std::map<std::string, std::string> headers;
    if (method == "POST")
      headers["content-type"] = "application/x-www-form-urlencoded";
    const auto reply = request(method, next, body, headers);
    trace_.push_back(method + " " + next + " -> " + std::to_string(reply.status) +
                     (reply.location.empty() ? "" : " " + reply.location));
    if (reply.status >= 300 && reply.status < 400 && !reply.location.empty()) {
      if (reply.location.rfind(stop_prefix, 0) == 0)
        return reply.location;
      method = "GET";
      body.clear();
      next = reply.location;
      continue;
    }
    auto form = reply.status == 200 ? first_form(reply.body) : std::nullopt;
    if (!form) {
      trace_.push_back("stopped: no redirect and no form; body: " + reply.body.substr(0, 2000));
      return std::nullopt;
    }
    for (auto& [name, value] : form->fields) {
      if (name == "login" || name == "username" || name == "email")
        value = login;
      else if (name == "password")
        value = password;
    }
    const auto action = browser_resolve(next, form->action.empty() ? next : form->action);
    if (form->method == "post") {
      method = "POST";
      body = form_encode(form->fields);
      next = action;
    } else {
      method = "GET";
      body.clear();
      next = action.substr(0, action.find('?')) + "?" + form_encode(form->fields);
    }
  }
  trace_.push_back("stopped: more than " + std::to_string(max_steps) + " steps");
  return std::nullopt;
}

} // namespace gh::test
