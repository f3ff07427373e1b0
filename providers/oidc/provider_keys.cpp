#include "providers/oidc/provider_keys.hpp"

#include "providers/http_client.hpp"

#include <boost/url/parse.hpp>

namespace gh::oidc {

namespace {

constexpr std::size_t max_token_answer_bytes = std::size_t{64} * 1024;

keys_error keys_unavailable(std::string reason) {
  return keys_error{true, std::nullopt, std::move(reason)};
}

keys_error keys_refused(const jws_error& e) {
  return keys_error{false, e.failure, e.reason};
}

} // namespace

provider_keys::provider_keys(provider_options options, clock now)
    : options_(std::move(options)), now_(std::move(now)) {}

provider_keys::~provider_keys() = default;

uint64_t provider_keys::discovery_fetches() const {
  std::lock_guard guard{mutex_};
  return discovery_fetches_;
}

uint64_t provider_keys::jwks_fetches() const {
  std::lock_guard guard{mutex_};
  return jwks_fetches_;
}

provider_keys::fetched provider_keys::send(std::string_view method, std::string_view url,
                                           std::string_view body, std::string_view authorization,
                                           std::size_t max_body) {
  fetched out;
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || !is_allowed_endpoint(url)) {
    out.error = "url";
    return out;
  }
  const bool tls = parsed->scheme_id() == boost::urls::scheme::https;
  const http_out::tls_context* context = nullptr;
  if (tls) {
    std::lock_guard guard{mutex_};
    if (!tls_)
      tls_ = std::make_unique<http_out::tls_context>();
    context = tls_.get();
  }
  const std::string port = parsed->has_port() ? std::string{parsed->port()} : (tls ? "443" : "80");
  http_out::connection link{context, std::string{parsed->host_address()}};
  if (auto failed = link.open({}, port, options_.timeout); !failed.empty()) {
    out.error = std::move(failed);
    return out;
  }
  http_out::request req;
  req.method = method;
  req.target = parsed->encoded_path().empty() ? "/" : std::string{parsed->encoded_path()};
  if (parsed->has_query())
    req.target += "?" + std::string{parsed->encoded_query()};
  req.headers = {{"Host", std::string{parsed->encoded_host_and_port()}},
                 {"Accept", "application/json"},
                 {"Connection", "close"}};
  if (!authorization.empty())
    req.headers.emplace_back("Authorization", std::string{authorization});
  if (method == "POST")
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.body = std::string{body};
  http_out::limits lim;
  lim.timeout = options_.timeout;
  lim.max_body = max_body;
  auto answer = link.exchange(req, lim);
  out.status = answer.status;
  out.body = std::move(answer.body);
  out.error = std::move(answer.error);
  return out;
}

std::variant<provider_metadata, keys_error> provider_keys::load_metadata() {
  const auto now = now_();
  {
    std::lock_guard guard{mutex_};
    if (metadata_)
      return *metadata_;
    if (last_failure_ && now - *last_failure_ < options_.retry_interval)
      return keys_unavailable("identity provider unavailable");
    ++discovery_fetches_;
  }
  const auto answer = send("GET", discovery_url(options_.issuer), {}, {}, max_document_bytes);
  std::variant<provider_metadata, discovery_error> decoded = discovery_error{};
  if (answer.error.empty() && answer.status == 200)
    decoded = decode_discovery(answer.body, options_.issuer);
  std::lock_guard guard{mutex_};
  if (auto* meta = std::get_if<provider_metadata>(&decoded)) {
    metadata_ = *meta;
    last_failure_.reset();
    return *meta;
  }
  last_failure_ = now;
  const auto& why = std::get<discovery_error>(decoded).reason;
  return keys_unavailable(why.empty() ? "identity provider discovery failed" : why);
}

std::optional<keys_error> provider_keys::load_keys(const provider_metadata& meta) {
  const auto now = now_();
  {
    std::lock_guard guard{mutex_};
    if (last_failure_ && now - *last_failure_ < options_.retry_interval)
      return keys_unavailable("identity provider unavailable");
    ++jwks_fetches_;
    last_jwks_fetch_ = now;
  }
  const auto answer = send("GET", meta.jwks_uri, {}, {}, max_document_bytes);
  std::variant<jwk_set, jwks_error> decoded = jwks_error{};
  if (answer.error.empty() && answer.status == 200)
    decoded = decode_jwks(answer.body);
  std::lock_guard guard{mutex_};
  if (auto* set = std::get_if<jwk_set>(&decoded)) {
    keys_ = std::make_shared<const jwk_set>(std::move(*set));
    ++generation_;
    last_failure_.reset();
    return std::nullopt;
  }
  last_failure_ = now;
  const auto& why = std::get<jwks_error>(decoded).reason;
  return keys_unavailable(why.empty() ? "identity provider keys could not be fetched" : why);
}

std::shared_ptr<const jwk_set> provider_keys::current_keys(uint64_t& generation) const {
  std::lock_guard guard{mutex_};
  generation = generation_;
  return keys_;
}

std::variant<provider_metadata, keys_error> provider_keys::metadata() {
  {
    std::lock_guard guard{mutex_};
    if (metadata_)
      return *metadata_;
  }
  std::lock_guard fetching{fetch_mutex_};
  return load_metadata();
}

std::variant<verified_jws, keys_error> provider_keys::verify(std::string_view token) {
  if (token.size() > max_provider_token_bytes)
    return keys_error{false, jws_failure::malformed, "token too large"};
  uint64_t generation = 0;
  auto keys = current_keys(generation);
  if (!keys) {
    // First use: discovery, then the key set.
    std::lock_guard fetching{fetch_mutex_};
    keys = current_keys(generation);
    if (!keys) {
      auto meta = load_metadata();
      if (auto* failed = std::get_if<keys_error>(&meta))
        return *failed;
      if (auto failed = load_keys(std::get<provider_metadata>(meta)))
        return *failed;
      keys = current_keys(generation);
    }
  }
  auto result = verify_jws(token, *keys);
  if (auto* e = std::get_if<jws_error>(&result); e != nullptr && e->unknown_kid()) {
    // The provider may have rotated its keys: refetch once, unless done recently.
    {
      std::lock_guard fetching{fetch_mutex_};
      uint64_t latest = 0;
      keys = current_keys(latest);
      if (latest == generation) {
        std::optional<std::chrono::steady_clock::time_point> last;
        provider_metadata meta;
        {
          std::lock_guard guard{mutex_};
          last = last_kid_refetch_;
          meta = *metadata_; // set before any key set was
        }
        if (last && now_() - *last < options_.refetch_interval)
          return keys_refused(*e);
        {
          std::lock_guard guard{mutex_};
          last_kid_refetch_ = now_();
        }
        if (auto failed = load_keys(meta))
          return *failed;
        keys = current_keys(latest);
      }
    }
    result = verify_jws(token, *keys);
  }
  if (auto* e = std::get_if<jws_error>(&result))
    return keys_refused(*e);
  return std::move(std::get<verified_jws>(result));
}

std::variant<token_response, token_error>
provider_keys::exchange_code(std::string_view code, std::string_view redirect_uri,
                             std::string_view code_verifier) {
  auto meta = metadata();
  if (auto* failed = std::get_if<keys_error>(&meta))
    return token_error{"unavailable", failed->reason, 0};
  const auto answer =
      send("POST", std::get<provider_metadata>(meta).token_endpoint,
           token_request_body(code, redirect_uri, code_verifier),
           basic_authorization(options_.client_id, options_.client_secret), max_token_answer_bytes);
  if (!answer.error.empty())
    return token_error{"unavailable", "token endpoint " + answer.error, 0};
  return decode_token_response(answer.status, answer.body);
}

} // namespace gh::oidc
