#include "tests/support/fake_stripe.hpp"

#include "tests/support/http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

namespace gh::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

using pairs = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t day = int64_t{24} * 60 * 60;
constexpr std::size_t body_limit = std::size_t{16} * 1024 * 1024;

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// `n` random characters out of [0-9A-Za-z], the alphabet of Stripe's ids.
std::string random_alnum(std::size_t n) {
  static constexpr char alphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick{0, sizeof alphabet - 2};
  std::string out(n, '0');
  for (auto& c : out)
    c = alphabet[pick(gen)];
  return out;
}

std::string new_id(std::string_view prefix) {
  return std::string{prefix} + random_alnum(14);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Form decoding: '+' is a space, `%XX` a byte; a broken escape stays as it is.
std::string form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// The decoded `key=value` pairs of a form body or query string, in order.
pairs form_pairs(std::string_view raw) {
  pairs out;
  while (!raw.empty()) {
    const auto amp = raw.find('&');
    const auto piece = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (piece.empty())
      continue;
    const auto eq = piece.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(form_decode(piece), std::string{});
    else
      out.emplace_back(form_decode(piece.substr(0, eq)), form_decode(piece.substr(eq + 1)));
  }
  return out;
}

/// An error answered as Stripe's `{"error": {...}}` object.
struct api_error {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string code;
  std::string message;
  std::string param;
  /// Parameter validation failed before the endpoint ran: Stripe keeps no idempotent result.
  bool validation = false;
};

json::object error_body(const api_error& e) {
  json::object err{{"type", e.type}, {"message", e.message}};
  if (!e.code.empty())
    err["code"] = e.code;
  if (!e.param.empty())
    err["param"] = e.param;
  return json::object{{"error", std::move(err)}};
}

api_error missing_param(const std::string& name) {
  return {400, "invalid_request_error", "", "Missing required param: " + name + ".", name, true};
}

api_error invalid_param(const std::string& name, const std::string& message) {
  return {400, "invalid_request_error", "", message, name, true};
}

/// `resource_missing` for `id` of kind `what` (an object's "object" value).
api_error no_such(const std::string& what, const std::string& id, const std::string& param,
                  int status) {
  return {status,
          "invalid_request_error",
          "resource_missing",
          "No such " + what + ": '" + id + "'",
          param,
          false};
}

api_error bad_key(const std::string& key) {
  return invalid_param(key, "Invalid parameter name: '" + key + "' (unbalanced brackets).");
}

/// Splits `a[b][c]` into "a" and {"b", "c"}; false when the brackets do not balance.
bool split_key(std::string_view key, std::string& name, std::vector<std::string>& subscripts) {
  const auto open = key.find('[');
  name = std::string{key.substr(0, open)};
  if (name.empty() || name.find(']') != std::string::npos)
    return false;
  if (open == std::string_view::npos)
    return true;
  auto rest = key.substr(open);
  while (!rest.empty()) {
    if (rest.front() != '[')
      return false;
    const auto close = rest.find(']');
    if (close == std::string_view::npos)
      return false;
    const auto inner = rest.substr(1, close - 1);
    if (inner.find('[') != std::string_view::npos)
      return false;
    subscripts.emplace_back(inner);
    rest = rest.substr(close + 1);
  }
  return true;
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// Nests form pairs the way Stripe reads them: `a[b]` is a key of object `a`, `a[0]` an element
/// of array `a` (indices in order), `a[]` appends to array `a`; values stay strings.
json::object nest(const pairs& form) {
  json::value root = json::object{};
  for (const auto& [key, value] : form) {
    std::string name;
    std::vector<std::string> subscripts;
    if (!split_key(key, name, subscripts))
      throw bad_key(key);
    json::value* at = &root.as_object()[name];
    for (const auto& sub : subscripts) {
      if (sub.empty() || all_digits(sub)) {
        if (at->is_null())
          *at = json::array{};
        if (!at->is_array())
          throw invalid_param(key, "Invalid array: '" + key + "' mixes arrays and other values.");
        auto& arr = at->as_array();
        std::size_t index = arr.size();
        if (!sub.empty()) {
          const auto [end, ec] = std::from_chars(sub.data(), sub.data() + sub.size(), index);
          if (ec != std::errc{} || end != sub.data() + sub.size() || index > arr.size())
            throw invalid_param(key, "Invalid array index in '" + key +
                                         "': indices must start at 0 and go up in order.");
        }
        if (index == arr.size())
          arr.emplace_back(nullptr);
        at = &arr[index];
      } else {
        if (at->is_null())
          *at = json::object{};
        if (!at->is_object())
          throw invalid_param(key, "Invalid hash: '" + key + "' mixes hashes and other values.");
        at = &at->as_object()[sub];
      }
    }
    if (!at->is_null() && !at->is_string())
      throw invalid_param(key, "Invalid value for '" + key + "': it is also a hash or an array.");
    *at = json::string{value};
  }
  return std::move(root.as_object());
}

/// The string parameter `name`, if given; a hash or an array there is invalid.
std::optional<std::string> text_param(const json::object& params, const std::string& name) {
  const auto* v = params.if_contains(name);
  if (v == nullptr || v->is_null())
    return std::nullopt;
  if (!v->is_string())
    throw invalid_param(name, "Invalid string: '" + name + "' must be a string.");
  return std::string{v->as_string()};
}

/// The string parameter `name`, which must be given and not empty.
std::string required(const json::object& params, const std::string& name) {
  auto v = text_param(params, name);
  if (!v || v->empty())
    throw missing_param(name);
  return *v;
}

int64_t to_integer(const std::string& text, const std::string& param) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw invalid_param(param, "Invalid integer: " + text);
  return n;
}

bool to_boolean(const std::string& text, const std::string& param) {
  if (text == "true")
    return true;
  if (text == "false")
    return false;
  throw invalid_param(param, "Invalid boolean: " + text);
}

json::value text_or_null(const std::optional<std::string>& v) {
  if (v)
    return json::string{*v};
  return nullptr;
}

/// `metadata[...]` as an object of strings (an empty `metadata=` gives {}).
json::object metadata_param(const json::object& params, const std::string& name = "metadata") {
  const auto* v = params.if_contains(name);
  if (v == nullptr || v->is_null() || (v->is_string() && v->as_string().empty()))
    return {};
  if (!v->is_object())
    throw invalid_param(name, "Invalid hash: '" + name + "' must be a hash.");
  for (const auto& entry : v->as_object())
    if (!entry.value().is_string())
      throw invalid_param(name, "Invalid hash: values of '" + name + "' must be strings.");
  return v->as_object();
}

std::string text_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

int64_t integer_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr)
    return 0;
  if (v->is_int64())
    return v->as_int64();
  if (v->is_uint64())
    return static_cast<int64_t>(v->as_uint64());
  return 0;
}

bool form_content_type(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  auto media = lower(content_type.substr(0, semicolon));
  while (!media.empty() && media.back() == ' ')
    media.pop_back();
  return media == "application/x-www-form-urlencoded";
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0)
      out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path = path.substr(slash + 1);
  }
  return out;
}

/// Whether event `type` matches the filter `pattern` (`customer.*` matches a whole family).
bool type_matches(std::string_view pattern, std::string_view type) {
  if (pattern.ends_with(".*"))
    return type.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == type;
}

/// `metadata[...]` of `p` merged into `o`'s metadata (an empty `metadata=` clears it).
void merge_metadata(json::object& o, const json::object& p) {
  if (!p.contains("metadata"))
    return;
  auto meta = metadata_param(p);
  auto* current = o.if_contains("metadata");
  if (current == nullptr || !current->is_object() || meta.empty()) {
    o["metadata"] = std::move(meta);
    return;
  }
  for (const auto& entry : meta)
    current->as_object()[entry.key()] = entry.value();
}

/// A Checkout Session read at or after its `expires_at` while open has expired.
void expire_if_due(json::object& session) {
  if (text_field(session, "status") == "open" && unix_now() >= integer_field(session, "expires_at"))
    session["status"] = "expired";
}

/// Applies `active`, a product's `name` and `metadata` (merged; empty clears) to `o`.
json::object update_object(json::object& o, const json::object& p) {
  if (const auto active = text_param(p, "active"))
    o["active"] = to_boolean(*active, "active");
  if (text_field(o, "object") == "product") {
    if (const auto name = text_param(p, "name"); name && !name->empty())
      o["name"] = *name;
  }
  merge_metadata(o, p);
  return o;
}

} // namespace

std::string fake_stripe::request::header(std::string_view name) const {
  const auto wanted = lower(name);
  for (const auto& [k, v] : headers)
    if (k == wanted)
      return v;
  return {};
}

struct fake_stripe::impl {
  /// An answer before it goes on the wire.
  struct outcome {
    int status = 200;
    std::string body;
    bool replayed = false;
  };

  /// What an `Idempotency-Key` was first used with, and its answer.
  struct idempotent_result {
    std::string method;
    std::string path;
    std::string body;
    int status = 0;
    std::string answer;
  };

  /// An event in the order it was added, with its delivery outcome for `delivery_success`.
  struct event_entry {
    std::string id;
    bool delivery_success = true;
  };

  explicit impl(std::string key) : secret_key{std::move(key)} {}

  std::string secret_key;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::atomic<bool> stop{false};
  std::thread acceptor_thread;

  std::mutex connections_mutex;
  std::vector<std::thread> connections;
  std::set<int> live_sockets; ///< shut down by the destructor to unblock their reads

  mutable std::mutex mutex;
  std::vector<request> log;
  std::map<std::string, json::object> objects;
  std::vector<event_entry> events;
  std::map<std::string, idempotent_result> idempotency;
  std::map<std::string, json::object> subscription_metadata; ///< by checkout session id
  int fail_left = 0;
  int fail_status = 500;

  void accept_loop();
  void serve(tcp::socket socket);
  http::response<http::string_body> handle(const http::request<http::string_body>& req);
  outcome process(request& rec, const std::string& body);
  json::object route(const request& rec);

  json::object& find(const std::string& id, const std::string& what,
                     const std::string& param = "id", int status = 404);
  json::object& store(json::object o);

  json::object create_customer(const json::object& p);
  json::object create_product(const json::object& p);
  json::object create_price(const json::object& p);
  json::object create_checkout_session(const json::object& p);
  json::object expire_checkout_session(const std::string& id);
  json::object create_portal_session(const json::object& p);
  json::object update_subscription(const std::string& id, const json::object& p);
  json::object cancel_subscription(const std::string& id);
  json::object create_refund(const json::object& p);
  json::object list_events(const json::object& p);
};

json::object& fake_stripe::impl::find(const std::string& id, const std::string& what,
                                      const std::string& param, int status) {
  const auto it = objects.find(id);
  if (it == objects.end() || text_field(it->second, "object") != what)
    throw no_such(what, id, param, status);
  return it->second;
}

json::object& fake_stripe::impl::store(json::object o) {
  const auto id = text_field(o, "id");
  auto& slot = objects[id];
  slot = std::move(o);
  return slot;
}

void fake_stripe::impl::accept_loop() {
  while (!stop) {
    pollfd p{acceptor.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    beast::error_code ec;
    tcp::socket socket = acceptor.accept(ec);
    if (ec)
      continue;
    std::lock_guard guard{connections_mutex};
    live_sockets.insert(socket.native_handle());
    connections.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
  }
}

void fake_stripe::impl::serve(tcp::socket socket) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!stop) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    http::read_header(socket, buffer, parser, ec);
    if (ec)
      break;
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> proceed{http::status::continue_, 11};
      http::write(socket, proceed, ec);
      if (ec)
        break;
    }
    http::read(socket, buffer, parser, ec);
    if (ec)
      break;
    auto res = handle(parser.get());
    http::write(socket, res, ec);
    if (ec || !res.keep_alive())
      break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  {
    std::lock_guard guard{connections_mutex};
    live_sockets.erase(socket.native_handle());
  }
  socket.close(ec);
}

http::response<http::string_body>
fake_stripe::impl::handle(const http::request<http::string_body>& req) {
  request rec;
  rec.method = std::string{req.method_string()};
  const std::string_view target = req.target();
  const auto question = target.find('?');
  rec.path = std::string{target.substr(0, question)};
  if (question != std::string_view::npos)
    rec.query = std::string{target.substr(question + 1)};
  for (const auto& field : req)
    rec.headers.emplace_back(lower(field.name_string()), std::string{field.value()});

  outcome out;
  {
    std::lock_guard guard{mutex};
    out = process(rec, req.body());
    rec.status = out.status;
    log.push_back(std::move(rec));
  }

  http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
  res.set(http::field::content_type, "application/json");
  res.set("Request-Id", "req_" + random_alnum(14));
  if (out.replayed)
    res.set("Idempotent-Replayed", "true");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(out.body);
  res.prepare_payload();
  return res;
}

fake_stripe::impl::outcome fake_stripe::impl::process(request& rec, const std::string& body) {
  const bool post = rec.method == "POST";
  const bool form_body = !post || body.empty() || form_content_type(rec.header("content-type"));
  if (form_body)
    rec.form = form_pairs(post ? std::string_view{body} : std::string_view{rec.query});
  std::optional<api_error> nesting;
  try {
    rec.params = nest(rec.form);
  } catch (const api_error& e) {
    nesting = e;
  }
  const auto answer = [](const api_error& e) {
    return outcome{e.status, json::serialize(error_body(e)), false};
  };

  if (fail_left > 0) {
    --fail_left;
    api_error e{fail_status, "api_error", "", "An unknown error occurred", "", false};
    if (fail_status == 429) {
      e.type = "rate_limit_error";
      e.code = "rate_limit";
      e.message = "Too many requests hit the API too quickly.";
    } else if (fail_status == 402) {
      e.type = "card_error";
      e.code = "card_declined";
      e.message = "Your card was declined.";
    } else if (fail_status < 500) {
      e.type = "invalid_request_error";
      e.message = "The request failed (injected by the test).";
    }
    return answer(e);
  }
  if (rec.header("authorization") != "Bearer " + secret_key)
    return answer({401, "invalid_request_error", "", "Invalid API Key provided.", "", false});
  if (!form_body)
    return answer(invalid_param("", "Invalid request: the body must be "
                                    "application/x-www-form-urlencoded."));
  if (nesting)
    return answer(*nesting);

  const auto key = rec.header("idempotency-key");
  const bool idempotent = post && !key.empty();
  if (idempotent) {
    if (const auto it = idempotency.find(key); it != idempotency.end()) {
      const auto& seen = it->second;
      if (seen.method != rec.method || seen.path != rec.path || seen.body != body)
        return answer({400, "idempotency_error", "",
                       "Keys for idempotent requests can only be used with the same parameters "
                       "they were first used with.",
                       "", false});
      return outcome{seen.status, seen.answer, true};
    }
  }

  outcome out;
  bool keep = true;
  try {
    out.body = json::serialize(route(rec));
  } catch (const api_error& e) {
    out = answer(e);
    keep = !e.validation;
  }
  if (idempotent && keep)
    idempotency[key] = {rec.method, rec.path, body, out.status, out.body};
  return out;
}

json::object fake_stripe::impl::route(const request& rec) {
  const auto seg = path_segments(rec.path);
  const auto& m = rec.method;
  const auto& p = rec.params;
  const auto n = seg.size();
  const auto at = [&](std::size_t i, std::string_view s) { return i < n && seg[i] == s; };
  if (n >= 2 && at(0, "v1")) {
    const std::string id = n >= 3 ? std::string{seg[2]} : std::string{};
    if (at(1, "customers")) {
      if (n == 2 && m == "POST")
        return create_customer(p);
      if (n == 3 && m == "GET")
        return find(id, "customer");
    } else if (at(1, "products")) {
      if (n == 2 && m == "POST")
        return create_product(p);
      if (n == 3 && m == "GET")
        return find(id, "product");
      if (n == 3 && m == "POST")
        return update_object(find(id, "product"), p);
    } else if (at(1, "prices")) {
      if (n == 2 && m == "POST")
        return create_price(p);
      if (n == 3 && m == "GET")
        return find(id, "price");
      if (n == 3 && m == "POST")
        return update_object(find(id, "price"), p);
    } else if (at(1, "checkout") && at(2, "sessions")) {
      const std::string sid = n >= 4 ? std::string{seg[3]} : std::string{};
      if (n == 3 && m == "POST")
        return create_checkout_session(p);
      if (n == 4 && m == "GET") {
        auto& session = find(sid, "checkout.session");
        expire_if_due(session);
        return session;
      }
      if (n == 5 && at(4, "expire") && m == "POST")
        return expire_checkout_session(sid);
    } else if (at(1, "billing_portal") && at(2, "sessions")) {
      if (n == 3 && m == "POST")
        return create_portal_session(p);
    } else if (at(1, "subscriptions")) {
      if (n == 3 && m == "GET")
        return find(id, "subscription");
      if (n == 3 && m == "POST")
        return update_subscription(id, p);
      if (n == 3 && m == "DELETE")
        return cancel_subscription(id);
    } else if (at(1, "invoices")) {
      if (n == 3 && m == "GET")
        return find(id, "invoice");
    } else if (at(1, "refunds")) {
      if (n == 2 && m == "POST")
        return create_refund(p);
      if (n == 3 && m == "GET")
        return find(id, "refund");
    } else if (at(1, "events")) {
      if (n == 2 && m == "GET")
        return list_events(p);
      if (n == 3 && m == "GET")
        return find(id, "event");
    }
  }
  throw api_error{404,
                  "invalid_request_error",
                  "resource_missing",
                  "Unrecognized request URL (" + m + ": " + rec.path + ").",
                  "",
                  false};
}

json::object fake_stripe::impl::create_customer(const json::object& p) {
  return store({{"id", new_id("cus_")},
                {"object", "customer"},
                {"email", text_or_null(text_param(p, "email"))},
                {"name", text_or_null(text_param(p, "name"))},
                {"metadata", metadata_param(p)},
                {"livemode", false},
                {"created", unix_now()}});
}

json::object fake_stripe::impl::create_product(const json::object& p) {
  const auto name = required(p, "name");
  return store({{"id", new_id("prod_")},
                {"object", "product"},
                {"name", name},
                {"active", true},
                {"metadata", metadata_param(p)},
                {"livemode", false},
                {"created", unix_now()}});
}

json::object fake_stripe::impl::create_price(const json::object& p) {
  const auto product = required(p, "product");
  const auto amount_text = required(p, "unit_amount");
  const auto currency = lower(required(p, "currency"));
  const auto amount = to_integer(amount_text, "unit_amount");
  if (amount < 0)
    throw invalid_param("unit_amount", "Invalid unit_amount: must be a non-negative integer.");
  json::value recurring = nullptr;
  if (const auto* r = p.if_contains("recurring"); r != nullptr) {
    if (!r->is_object())
      throw invalid_param("recurring", "Invalid hash: 'recurring' must be a hash.");
    const auto interval = required(r->as_object(), "interval");
    if (interval != "day" && interval != "week" && interval != "month" && interval != "year")
      throw invalid_param("recurring[interval]",
                          "Invalid recurring[interval]: must be one of day, week, month, or year");
    recurring = json::object{{"interval", interval}};
  }
  find(product, "product", "product", 400);
  const bool one_time = recurring.is_null();
  return store({{"id", new_id("price_")},
                {"object", "price"},
                {"product", product},
                {"unit_amount", amount},
                {"currency", currency},
                {"recurring", std::move(recurring)},
                {"type", one_time ? "one_time" : "recurring"},
                {"active", true},
                {"livemode", false},
                {"created", unix_now()}});
}

json::object fake_stripe::impl::create_checkout_session(const json::object& p) {
  const auto mode = required(p, "mode");
  if (mode != "payment" && mode != "setup" && mode != "subscription")
    throw invalid_param("mode", "Invalid mode: must be one of payment, setup, or subscription");
  const auto success_url = required(p, "success_url");
  const auto* items = p.if_contains("line_items");
  if (items == nullptr || !items->is_array() || items->as_array().empty())
    throw missing_param("line_items[0][price]");
  const auto& list = items->as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto param = "line_items[" + std::to_string(i) + "][price]";
    if (!list[i].is_object())
      throw missing_param(param);
    const auto* price = list[i].as_object().if_contains("price");
    if (price == nullptr || !price->is_string() || price->as_string().empty())
      throw missing_param(param);
    if (const auto* q = list[i].as_object().if_contains("quantity"); q && q->is_string())
      to_integer(std::string{q->as_string()}, "line_items[" + std::to_string(i) + "][quantity]");
  }
  const auto created = unix_now();
  int64_t expires_at = created + day;
  if (const auto e = text_param(p, "expires_at"))
    expires_at = to_integer(*e, "expires_at");
  const auto* subscription_data = p.if_contains("subscription_data");
  json::object sub_metadata;
  if (subscription_data != nullptr) {
    if (!subscription_data->is_object())
      throw invalid_param("subscription_data", "Invalid hash: 'subscription_data' must be a hash.");
    sub_metadata = metadata_param(subscription_data->as_object(), "metadata");
  }
  for (std::size_t i = 0; i < list.size(); ++i)
    find(std::string{list[i].as_object().at("price").as_string()}, "price",
         "line_items[" + std::to_string(i) + "][price]", 400);

  const auto id = new_id("cs_test_");
  subscription_metadata[id] = std::move(sub_metadata);
  return store({{"id", id},
                {"object", "checkout.session"},
                {"url", "https://checkout.stripe.com/c/pay/" + id},
                {"status", "open"},
                {"payment_status", "unpaid"},
                {"mode", mode},
                {"customer", text_or_null(text_param(p, "customer"))},
                {"customer_email", text_or_null(text_param(p, "customer_email"))},
                {"client_reference_id", text_or_null(text_param(p, "client_reference_id"))},
                {"metadata", metadata_param(p)},
                {"success_url", success_url},
                {"cancel_url", text_or_null(text_param(p, "cancel_url"))},
                {"expires_at", expires_at},
                {"created", created},
                {"subscription", nullptr},
                {"invoice", nullptr},
                {"line_items", list},
                {"livemode", false}});
}

json::object fake_stripe::impl::expire_checkout_session(const std::string& id) {
  auto& session = find(id, "checkout.session");
  expire_if_due(session);
  const auto status = text_field(session, "status");
  if (status != "open")
    throw api_error{400,
                    "invalid_request_error",
                    "",
                    "Only Checkout Sessions with a status in [\"open\"] can be expired. This "
                    "Checkout Session has a status of \"" +
                        status + "\".",
                    "",
                    false};
  session["status"] = "expired";
  return session;
}

json::object fake_stripe::impl::create_portal_session(const json::object& p) {
  const auto customer = required(p, "customer");
  find(customer, "customer", "customer", 400);
  const auto id = new_id("bps_");
  return store({{"id", id},
                {"object", "billing_portal.session"},
                {"customer", customer},
                {"return_url", text_or_null(text_param(p, "return_url"))},
                {"url", "https://billing.stripe.com/p/session/" + id},
                {"livemode", false},
                {"created", unix_now()}});
}

json::object fake_stripe::impl::update_subscription(const std::string& id, const json::object& p) {
  auto& sub = find(id, "subscription");
  if (const auto cancel = text_param(p, "cancel_at_period_end")) {
    const bool at_end = to_boolean(*cancel, "cancel_at_period_end");
    sub["cancel_at_period_end"] = at_end;
    if (at_end) {
      sub["cancel_at"] = integer_field(sub, "current_period_end");
      sub["canceled_at"] = unix_now();
    } else {
      sub["cancel_at"] = nullptr;
      sub["canceled_at"] = nullptr;
    }
  }
  merge_metadata(sub, p);
  return sub;
}

json::object fake_stripe::impl::cancel_subscription(const std::string& id) {
  auto& sub = find(id, "subscription");
  if (text_field(sub, "status") != "canceled") {
    const auto now = unix_now();
    sub["status"] = "canceled";
    sub["canceled_at"] = now;
    sub["ended_at"] = now;
  }
  return sub;
}

json::object fake_stripe::impl::create_refund(const json::object& p) {
  const auto payment_intent = text_param(p, "payment_intent");
  const auto charge = text_param(p, "charge");
  if ((!payment_intent || payment_intent->empty()) && (!charge || charge->empty()))
    throw missing_param("payment_intent");
  std::optional<int64_t> amount;
  if (const auto a = text_param(p, "amount")) {
    amount = to_integer(*a, "amount");
    if (*amount < 0)
      throw invalid_param("amount", "Invalid amount: must be a non-negative integer.");
  }
  int64_t paid = 0;
  if (payment_intent && !payment_intent->empty()) {
    const auto invoice = std::find_if(objects.begin(), objects.end(), [&](const auto& entry) {
      return text_field(entry.second, "object") == "invoice" &&
             text_field(entry.second, "payment_intent") == *payment_intent;
    });
    if (invoice == objects.end())
      throw no_such("payment_intent", *payment_intent, "payment_intent", 404);
    paid = integer_field(invoice->second, "amount_paid");
  }
  return store({{"id", new_id("re_")},
                {"object", "refund"},
                {"amount", amount.value_or(paid)},
                {"payment_intent", text_or_null(payment_intent)},
                {"charge", text_or_null(charge)},
                {"status", "succeeded"},
                {"metadata", metadata_param(p)},
                {"created", unix_now()}});
}

json::object fake_stripe::impl::list_events(const json::object& p) {
  int64_t limit = 10;
  if (const auto l = text_param(p, "limit")) {
    limit = to_integer(*l, "limit");
    if (limit < 1 || limit > 100)
      throw invalid_param("limit", "Invalid limit: must be between 1 and 100.");
  }
  std::optional<bool> delivered;
  if (const auto d = text_param(p, "delivery_success"))
    delivered = to_boolean(*d, "delivery_success");
  std::vector<std::string> types;
  if (const auto t = text_param(p, "type"))
    types.push_back(*t);
  if (const auto* ts = p.if_contains("types"); ts != nullptr) {
    if (!ts->is_array())
      throw invalid_param("types", "Invalid array: 'types' must be an array.");
    for (const auto& t : ts->as_array())
      if (t.is_string())
        types.emplace_back(t.as_string());
  }
  std::optional<int64_t> gte;
  std::optional<int64_t> gt;
  std::optional<int64_t> lte;
  std::optional<int64_t> lt;
  if (const auto* c = p.if_contains("created"); c != nullptr) {
    if (c->is_string()) {
      gte = lte = to_integer(std::string{c->as_string()}, "created");
    } else if (c->is_object()) {
      const auto& range = c->as_object();
      const auto bound = [&](const char* op, std::optional<int64_t>& out) {
        if (const auto v = text_param(range, op))
          out = to_integer(*v, std::string{"created["} + op + "]");
      };
      bound("gte", gte);
      bound("gt", gt);
      bound("lte", lte);
      bound("lt", lt);
    } else {
      throw invalid_param("created", "Invalid created: must be an integer or a hash.");
    }
  }

  // Newest first: by created, then by the order they were added.
  struct entry {
    int64_t created;
    std::size_t order;
    const json::object* event;
    bool delivered;
  };
  std::vector<entry> all;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto it = objects.find(events[i].id);
    if (it != objects.end())
      all.push_back(
          {integer_field(it->second, "created"), i, &it->second, events[i].delivery_success});
  }
  std::sort(all.begin(), all.end(), [](const entry& a, const entry& b) {
    return a.created != b.created ? a.created > b.created : a.order > b.order;
  });
  std::size_t from = 0;
  if (const auto after = text_param(p, "starting_after")) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const entry& e) {
      return text_field(*e.event, "id") == *after;
    });
    if (it == all.end())
      throw no_such("event", *after, "starting_after", 400);
    from = static_cast<std::size_t>(it - all.begin()) + 1;
  }

  json::array data;
  bool has_more = false;
  for (std::size_t i = from; i < all.size(); ++i) {
    const auto& e = all[i];
    if (delivered && e.delivered != *delivered)
      continue;
    const auto type = text_field(*e.event, "type");
    if (!types.empty() && std::none_of(types.begin(), types.end(),
                                       [&](const std::string& t) { return type_matches(t, type); }))
      continue;
    if ((gte && e.created < *gte) || (gt && e.created <= *gt) || (lte && e.created > *lte) ||
        (lt && e.created >= *lt))
      continue;
    if (std::cmp_greater_equal(data.size(), limit)) {
      has_more = true;
      break;
    }
    data.push_back(*e.event);
  }
  return {
      {"object", "list"}, {"url", "/v1/events"}, {"has_more", has_more}, {"data", std::move(data)}};
}

fake_stripe::fake_stripe(std::string secret_key)
    : impl_{std::make_unique<impl>(std::move(secret_key))} {
  auto& acceptor = impl_->acceptor;
  const tcp::endpoint endpoint{net::ip::make_address("127.0.0.1"), 0};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(64);
  acceptor.non_blocking(true);
  port_ = acceptor.local_endpoint().port();
  impl_->acceptor_thread = std::thread{[this] { impl_->accept_loop(); }};
}

fake_stripe::~fake_stripe() {
  impl_->stop = true;
  impl_->acceptor_thread.join();
  beast::error_code ec;
  impl_->acceptor.close(ec);
  std::vector<std::thread> connections;
  {
    std::lock_guard guard{impl_->connections_mutex};
    // Unblocks reads on kept-alive connections; each thread closes its own socket.
    for (const int fd : impl_->live_sockets)
      ::shutdown(fd, SHUT_RDWR);
    connections.swap(impl_->connections);
  }
  for (auto& t : connections)
    t.join();
}

uint16_t fake_stripe::port() const noexcept {
  return port_;
}

std::string fake_stripe::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

const std::string& fake_stripe::secret_key() const noexcept {
  return impl_->secret_key;
}

std::vector<fake_stripe::request> fake_stripe::requests() const {
  std::lock_guard guard{impl_->mutex};
  return impl_->log;
}

std::vector<fake_stripe::request> fake_stripe::requests_to(std::string_view method,
                                                           std::string_view prefix) const {
  std::lock_guard guard{impl_->mutex};
  std::vector<request> out;
  for (const auto& r : impl_->log)
    if (r.method == method && std::string_view{r.path}.starts_with(prefix))
      out.push_back(r);
  return out;
}

void fake_stripe::fail_next(int n, int status) {
  std::lock_guard guard{impl_->mutex};
  impl_->fail_left = n;
  impl_->fail_status = status;
}

json::object fake_stripe::object(const std::string& id) const {
  std::lock_guard guard{impl_->mutex};
  const auto it = impl_->objects.find(id);
  return it == impl_->objects.end() ? json::object{} : it->second;
}

void fake_stripe::put_object(json::object o) {
  if (text_field(o, "id").empty())
    throw std::invalid_argument("fake_stripe::put_object: the object has no \"id\"");
  std::lock_guard guard{impl_->mutex};
  impl_->store(std::move(o));
}

json::object fake_stripe::complete_checkout(const std::string& session_id) {
  std::lock_guard guard{impl_->mutex};
  auto& objects = impl_->objects;
  const auto it = objects.find(session_id);
  if (it == objects.end() || text_field(it->second, "object") != "checkout.session")
    throw std::invalid_argument("fake_stripe: no checkout session " + session_id);
  auto& session = it->second;
  expire_if_due(session);
  if (text_field(session, "status") != "open")
    throw std::logic_error("fake_stripe: checkout session " + session_id + " is " +
                           text_field(session, "status") + ", not open");

  const auto* items = session.if_contains("line_items");
  if (items == nullptr || !items->is_array() || items->as_array().empty() ||
      !items->as_array()[0].is_object())
    throw std::logic_error("fake_stripe: checkout session " + session_id + " has no line items");
  const auto& item = items->as_array()[0].as_object();
  const auto price_id = text_field(item, "price");
  const auto price_it = objects.find(price_id);
  if (price_it == objects.end())
    throw std::logic_error("fake_stripe: price " + price_id + " is gone");
  const auto price = price_it->second;
  int64_t quantity = 1;
  if (const auto q = text_field(item, "quantity"); !q.empty())
    quantity = std::stoll(q);

  const auto now = unix_now();
  auto customer = text_field(session, "customer");
  if (customer.empty()) {
    // Checkout makes a customer when the session was not given one.
    customer = new_id("cus_");
    const auto email = text_field(session, "customer_email");
    impl_->store({{"id", customer},
                  {"object", "customer"},
                  {"email", email.empty() ? json::value(nullptr) : json::value(email)},
                  {"name", nullptr},
                  {"metadata", json::object{}},
                  {"livemode", false},
                  {"created", now}});
  }
  const auto sub_id = new_id("sub_");
  const auto invoice_id = new_id("in_");
  const auto currency = text_field(price, "currency");
  const auto amount = integer_field(price, "unit_amount");
  json::object metadata;
  if (const auto m = impl_->subscription_metadata.find(session_id);
      m != impl_->subscription_metadata.end())
    metadata = m->second;
  const json::object sub_item{{"id", new_id("si_")},    {"object", "subscription_item"},
                              {"price", price},         {"quantity", quantity},
                              {"subscription", sub_id}, {"created", now}};
  impl_->store({{"id", sub_id},
                {"object", "subscription"},
                {"customer", customer},
                {"status", "active"},
                {"items",
                 {{"object", "list"},
                  {"data", json::array{sub_item}},
                  {"has_more", false},
                  {"url", "/v1/subscription_items?subscription=" + sub_id}}},
                {"metadata", std::move(metadata)},
                {"currency", currency},
                {"current_period_start", now},
                {"current_period_end", now + 30 * day},
                {"cancel_at_period_end", false},
                {"cancel_at", nullptr},
                {"canceled_at", nullptr},
                {"ended_at", nullptr},
                {"latest_invoice", invoice_id},
                {"livemode", false},
                {"created", now}});
  impl_->store({{"id", invoice_id},
                {"object", "invoice"},
                {"customer", customer},
                {"subscription", sub_id},
                {"amount_due", amount},
                {"amount_paid", amount},
                {"currency", currency},
                {"status", "paid"},
                {"paid", true},
                {"billing_reason", "subscription_create"},
                {"hosted_invoice_url", "https://invoice.stripe.com/i/" + invoice_id},
                {"payment_intent", new_id("pi_")},
                {"period_start", now},
                {"period_end", now + 30 * day},
                {"livemode", false},
                {"created", now}});

  session["customer"] = customer;
  session["status"] = "complete";
  session["payment_status"] = "paid";
  session["subscription"] = sub_id;
  session["invoice"] = invoice_id;
  return session;
}

json::object fake_stripe::add_event(const std::string& type, json::object object,
                                    bool delivery_success, int64_t created) {
  json::object event{{"id", new_id("evt_")},
                     {"object", "event"},
                     {"api_version", "2024-06-20"},
                     {"created", created == 0 ? unix_now() : created},
                     {"type", type},
                     {"livemode", false},
                     {"pending_webhooks", 1},
                     {"data", {{"object", std::move(object)}}}};
  std::lock_guard guard{impl_->mutex};
  impl_->events.push_back({text_field(event, "id"), delivery_success});
  return impl_->store(std::move(event));
}

std::string stripe_signature_header(const std::string& secret, int64_t t,
                                    const std::string& payload) {
  const auto signed_payload = std::to_string(t) + "." + payload;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signed_payload.data()), signed_payload.size(),
           mac, &len) == nullptr)
    throw std::runtime_error("stripe_signature_header: HMAC failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 0x0f];
  }
  return "t=" + std::to_string(t) + ",v1=" + hex;
}

std::string pay_checkout(fake_stripe& stripe, uint16_t port, const std::string& webhook_secret,
                         const std::string& session_id) {
  const auto paid = stripe.complete_checkout(session_id);
  const auto* sub = paid.if_contains("subscription");
  if (sub == nullptr || !sub->is_string())
    return "no such checkout session: " + session_id;
  const auto deliver = [&](const json::object& event) {
    const auto body = json::serialize(event);
    return http_call(
        port, "POST", "/webhooks/stripe", body,
        {{"Content-Type", "application/json"},
         {"Stripe-Signature", stripe_signature_header(webhook_secret, unix_now(), body)}});
  };
  for (const auto& event : {stripe.add_event("checkout.session.completed", paid),
                            stripe.add_event("customer.subscription.created",
                                             stripe.object(std::string{sub->as_string()}))}) {
    auto r = deliver(event);
    if (r.status != 200)
      return "the webhook was answered " + std::to_string(r.status) + ": " + r.body;
  }
  return {};
}

} // namespace gh::test
