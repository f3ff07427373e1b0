#include "providers/storage/s3.hpp"

#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"
#include "providers/storage/digest.hpp"

#include <boost/url/parse.hpp>
#include <curl/curl.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <stdexcept>

namespace gh::storage {

namespace {

/// SHA-256 of nothing: the payload hash of HEAD, GET and DELETE.
constexpr std::string_view empty_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct transfer {
  const std::function<void(std::string_view)>* sink = nullptr;
  CURL* curl = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  // Only a whole object is fed on; an error document is read and dropped.
  if (t->sink != nullptr && status == 200)
    (*t->sink)({data, size * n});
  return size * n;
}

} // namespace

struct s3_store::call_result {
  long status = 0;
  int64_t length = -1;
  std::string error; ///< the transfer failed (no status)
};

s3_store::s3_store(s3_options options) : opt_(std::move(options)) {
  init_curl();
  auto parsed = boost::urls::parse_absolute_uri(opt_.endpoint);
  if (!parsed || parsed->host().empty())
    throw std::invalid_argument("S3_ENDPOINT is not a URL");
  scheme_ = parsed->scheme_id() == boost::urls::scheme::https ? "https" : "http";
  host_ = parsed->host();
  if (parsed->has_port())
    host_ += ":" + std::to_string(parsed->port_number());
}

std::pair<std::string, std::string> s3_store::locate(const std::string& key) const {
  const auto path = sigv4::uri_encode(key, true);
  if (opt_.path_style)
    return {host_, "/" + sigv4::uri_encode(opt_.bucket) + "/" + path};
  return {opt_.bucket + "." + host_, "/" + path};
}

upload_target s3_store::upload_url(const object_ref& o, int64_t now, int64_t ttl) const {
  const auto [host, path] = locate(o.key);
  sigv4::request r{"PUT",
                   path,
                   {},
                   {{"host", host},
                    {"content-type", o.content_type},
                    {"content-length", std::to_string(o.size)}}};
  const auto query = sigv4::presign_query(r, opt_.keys, sigv4::amz_date(now), ttl);
  return {scheme_ + "://" + host + path + "?" + query, "PUT", {{"Content-Type", o.content_type}}};
}

std::string s3_store::download_url(const object_ref& o, int64_t now, int64_t ttl) const {
  const auto [host, path] = locate(o.key);
  sigv4::request r{"GET",
                   path,
                   {{"response-content-disposition", content_disposition(o.filename)},
                    {"response-content-type", o.content_type}},
                   {{"host", host}}};
  return scheme_ + "://" + host + path + "?" +
         sigv4::presign_query(r, opt_.keys, sigv4::amz_date(now), ttl);
}

s3_store::call_result s3_store::call(const std::string& method, const std::string& key,
                                     const std::function<void(std::string_view)>* sink) const {
  call_result out;
  if (!is_object_key(key)) {
    out.status = 404;
    return out;
  }
  const auto [host, path] = locate(key);
  const auto date = sigv4::amz_date(unix_now());
  sigv4::request r{
      method,
      path,
      {},
      {{"host", host}, {"x-amz-content-sha256", std::string{empty_sha256}}, {"x-amz-date", date}},
      std::string{empty_sha256}};
  const auto auth = sigv4::authorization(r, opt_.keys, date);

  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    out.error = "cannot start an HTTP transfer";
    return out;
  }
  curl_slist* headers = nullptr;
  for (const auto& h :
       {"Authorization: " + auth, "x-amz-content-sha256: " + std::string{empty_sha256},
        "x-amz-date: " + date, std::string{"Expect:"}})
    headers = curl_slist_append(headers, h.c_str());
  const auto url = scheme_ + "://" + host + path;
  transfer t{sink, curl};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(opt_.connect_timeout.count()));
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (method == "GET") {
    // A large object takes as long as it takes; one that stops flowing does not.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::max<int64_t>(1, opt_.stall_timeout.count() / 1000)));
  } else {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(opt_.request_timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  const auto rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    out.error = std::string{"the object store is unreachable: "} + curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    curl_off_t length = -1;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    out.length = static_cast<int64_t>(length);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return out;
}

object_info s3_store::stat(const std::string& key) const {
  const auto r = call("HEAD", key, nullptr);
  if (!r.error.empty())
    return {outcome::unavailable, 0, r.error};
  if (r.status == 404)
    return {outcome::missing, 0, {}};
  if (r.status != 200 || r.length < 0)
    return {outcome::unavailable, 0, "the object store answered " + std::to_string(r.status)};
  return {outcome::ok, r.length, {}};
}

object_digest s3_store::sha256(const std::string& key) const {
  sha256_stream hash;
  int64_t size = 0;
  const std::function<void(std::string_view)> sink = [&](std::string_view bytes) {
    hash.update(bytes);
    size += static_cast<int64_t>(bytes.size());
  };
  const auto r = call("GET", key, &sink);
  if (!r.error.empty())
    return {outcome::unavailable, {}, 0, r.error};
  if (r.status == 404)
    return {outcome::missing, {}, 0, {}};
  if (r.status != 200)
    return {outcome::unavailable, {}, 0, "the object store answered " + std::to_string(r.status)};
  return {outcome::ok, hash.hex(), size, {}};
}

outcome s3_store::remove(const std::string& key) const {
  const auto r = call("DELETE", key, nullptr);
  if (!r.error.empty())
    return outcome::unavailable;
  return r.status == 204 || r.status == 200 || r.status == 404 ? outcome::ok : outcome::unavailable;
}

} // namespace gh::storage
