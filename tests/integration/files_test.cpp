// Files through the real HTTP API, for both backends: the local store (Gatehouse serves
// /storage/{token} itself) and s3 against OpenStack Swift's S3 API, started once for this binary
// by tests/support/swift.sh. Gatehouse runs as a process on the run's PostgreSQL, Redis and NATS;
// clients only ever use the URLs and headers Gatehouse hands out.
#include "crypto/crypto.hpp"
#include "providers/storage/s3.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;
using headers = std::map<std::string, std::string>;

constexpr const char* admin_key = "bootstrap-admin-key-for-files-test";

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- Swift, once for the binary -----------------------------------------------------------------

std::map<std::string, std::string> read_env_file(const fs::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in{path};
  for (std::string line; std::getline(in, line);)
    if (auto eq = line.find('='); eq != std::string::npos)
      out[line.substr(0, eq)] = line.substr(eq + 1);
  return out;
}

class swift_environment : public ::testing::Environment {
public:
  static const std::map<std::string, std::string>& settings() {
    static swift_environment* self = nullptr;
    if (self == nullptr) {
      self = new swift_environment;
      ::testing::AddGlobalTestEnvironment(self); // stopped when the binary ends
      self->start();
    }
    return self->env_;
  }

  void TearDown() override {
    if (!dir_.empty())
      (void)std::system(
          ("bash " + script() + " stop " + dir_.string() + " >/dev/null 2>&1").c_str());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

private:
  static std::string script() { return std::string{GH_SOURCE_DIR} + "/tests/support/swift.sh"; }

  void start() {
    dir_ = fs::temp_directory_path() / ("gh-swift-" + crypto::random_token(6));
    fs::create_directories(dir_);
    const auto cmd = "bash " + script() + " start " + dir_.string() + " gatehouse-files";
    if (std::system(cmd.c_str()) != 0) {
      ADD_FAILURE() << "Swift did not start (tests/support/swift.sh)";
      return;
    }
    env_ = read_env_file(dir_ / "env");
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

// --- URLs as a client sees them ---------------------------------------------------------------

struct url_parts {
  uint16_t port = 0;
  std::string host; ///< host:port as the Host header carries it
  std::string target;
};

url_parts split_url(const std::string& url) {
  url_parts out;
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end + 3);
  out.host = url.substr(scheme_end + 3, path_start - scheme_end - 3);
  out.port = static_cast<uint16_t>(std::stoi(out.host.substr(out.host.rfind(':') + 1)));
  out.target = url.substr(path_start);
  return out;
}

/// `method url` with `body` and `h`, as curl would send it (Host from the URL).
http_reply fetch(const std::string& method, const std::string& url, const std::string& body = {},
                 headers h = {}) {
  const auto u = split_url(url);
  h.emplace("Host", u.host);
  return http_call(u.port, method, u.target, body, h);
}

struct user {
  std::string id;
  std::string token;
  headers auth() const { return {{"Authorization", "Bearer " + token}}; }
};

class FilesTest : public ::testing::TestWithParam<std::string> {
protected:
  FilesTest() {
    data_dir_ = fs::temp_directory_path() / ("gh-files-" + crypto::random_token(6));
    fs::create_directories(data_dir_);
    port_ = free_port();
  }

  ~FilesTest() override {
    server_.reset();
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }

  bool s3() const { return GetParam() == "s3"; }

  void start(std::map<std::string, std::string> extra = {}) {
    // A database of the test's own: the bootstrap key works only while no real key exists, and
    // other suites create keys.
    extra.try_emplace("DATABASE_URL", db_.url());
    extra.try_emplace("GATEHOUSE_LISTEN", "127.0.0.1:" + std::to_string(port_));
    extra.try_emplace("GATEHOUSE_PUBLIC_URL", "http://127.0.0.1:" + std::to_string(port_));
    extra.try_emplace("GATEHOUSE_DATA_DIR", data_dir_.string());
    extra.try_emplace("GATEHOUSE_REGISTER_RATE", "100000");
    extra.try_emplace("GATEHOUSE_BOOTSTRAP_ADMIN_KEY", admin_key);
    extra.try_emplace("FILES_MAX_BYTES", "1048576");
    if (s3()) {
      extra.try_emplace("STORAGE_BACKEND", "s3");
      for (const auto& [k, v] : swift_environment::settings())
        extra.try_emplace(k, v);
    }
    server_ = std::make_unique<gatehouse_process>(std::move(extra));
    ASSERT_EQ(server_->port(), port_);
  }

  void stop() {
    server_->process().signal(SIGTERM);
    EXPECT_TRUE(server_->process().wait_exit(30s));
    server_.reset();
  }

  user sign_up() {
    user u;
    u.token = signed_up_token(port_);
    auto me = http_call(port_, "GET", "/api/v1/users/me", {}, u.auth());
    EXPECT_EQ(me.status, 200) << me.body;
    u.id = std::string{json::parse(me.body).at("id").as_string()};
    return u;
  }

  http_reply api(const user& u, const std::string& method, const std::string& target,
                 const std::string& body = {}) {
    auto h = u.auth();
    if (!body.empty())
      h.emplace("Content-Type", "application/json");
    return http_call(port_, method, target, body, h);
  }

  http_reply admin(const std::string& target) {
    return http_call(port_, "GET", target, {},
                     {{"Authorization", std::string{"ApiKey "} + admin_key}});
  }

  /// Asks for an upload; the 201 body (empty object otherwise).
  json::object ask_upload(const user& u, const std::string& filename, const std::string& type,
                          int64_t size, const std::string& sha256 = {}, int expect = 201) {
    json::object req{{"filename", filename}, {"content_type", type}, {"size", size}};
    if (!sha256.empty())
      req["sha256"] = sha256;
    auto r = api(u, "POST", "/api/v1/files/upload", json::serialize(req));
    EXPECT_EQ(r.status, expect) << r.body;
    return r.status == 201 ? json::parse(r.body).as_object() : json::object{};
  }

  /// Sends `bytes` exactly as the upload answer says.
  static http_reply send_bytes(const json::object& up, const std::string& bytes) {
    headers h;
    for (const auto& [name, value] : up.at("headers").as_object())
      h.emplace(std::string{name}, std::string{value.as_string()});
    return fetch(std::string{up.at("method").as_string()},
                 std::string{up.at("upload_url").as_string()}, bytes, h);
  }

  static std::string id_of(const json::object& up) {
    return std::string{up.at("file_id").as_string()};
  }

  std::string scalar(const std::string& sql) { return db_.scalar(sql); }

  std::string key_of(const std::string& file_id) {
    return scalar("SELECT storage_key FROM files WHERE id = '" + file_id + "'");
  }

  /// Whether the store holds the object `key`, asked directly (not through Gatehouse).
  bool object_exists(const std::string& key) {
    if (!s3())
      return fs::exists(data_dir_ / "storage" / key);
    const auto& env = swift_environment::settings();
    storage::s3_options o;
    o.endpoint = env.at("S3_ENDPOINT");
    o.bucket = env.at("S3_BUCKET");
    o.path_style = true;
    o.keys = {env.at("S3_ACCESS_KEY_ID"), env.at("S3_SECRET_ACCESS_KEY"), env.at("S3_REGION"),
              "s3"};
    return storage::s3_store{o}.stat(key).result == storage::outcome::ok;
  }

  scratch_database db_;
  fs::path data_dir_;
  uint16_t port_ = 0;
  std::unique_ptr<gatehouse_process> server_;
};

TEST_P(FilesTest, UploadCompleteListDownloadAndDelete) {
  start();
  const auto u = sign_up();
  ws_client ws{port_, ws_bearer(u.token)};
  const std::string bytes = "hello, files\n" + crypto::random_token(2000);
  const auto sha = crypto::sha256_hex(bytes);
  auto up = ask_upload(u, "../notes/report\u202E.txt", "text/plain",
                       static_cast<int64_t>(bytes.size()), sha);
  ASSERT_FALSE(up.empty());
  EXPECT_EQ(up.at("method").as_string(), "PUT");
  EXPECT_EQ(up.at("headers").at("Content-Type").as_string(), "text/plain");
  const auto id = id_of(up);
  // The filename never reaches the key: {tenant}/{user}/{file}.
  EXPECT_EQ(key_of(id), "00000000-0000-0000-0000-000000000001/" + u.id + "/" + id);

  // Not uploaded yet: 409, and the file is pending without a URL.
  auto early = api(u, "POST", "/api/v1/files/" + id + "/complete");
  EXPECT_EQ(early.status, 409) << early.body;
  auto pending = json::parse(api(u, "GET", "/api/v1/files/" + id).body).as_object();
  EXPECT_EQ(pending.at("status").as_string(), "pending");
  EXPECT_FALSE(pending.contains("download_url"));

  auto put = send_bytes(up, bytes);
  ASSERT_EQ(put.status, 200) << put.body;
  auto done = api(u, "POST", "/api/v1/files/" + id + "/complete");
  ASSERT_EQ(done.status, 200) << done.body;
  auto file = json::parse(done.body).as_object();
  EXPECT_EQ(file.at("id").as_string(), id);
  EXPECT_EQ(file.at("filename").as_string(), "_notes_report.txt");
  EXPECT_EQ(file.at("size").as_int64(), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(file.at("status").as_string(), "ready");
  // Completing again answers the same file and announces nothing more.
  EXPECT_EQ(api(u, "POST", "/api/v1/files/" + id + "/complete").status, 200);

  auto got = api(u, "GET", "/api/v1/files/" + id);
  ASSERT_EQ(got.status, 200);
  const auto url = std::string{json::parse(got.body).at("download_url").as_string()};
  auto down = fetch("GET", url);
  ASSERT_EQ(down.status, 200) << down.body;
  EXPECT_EQ(down.body, bytes);
  EXPECT_TRUE(down.headers["content-disposition"].starts_with("attachment;"))
      << down.headers["content-disposition"];
  EXPECT_TRUE(down.headers["content-type"].starts_with("text/plain"))
      << down.headers["content-type"];
  if (!s3()) {
    EXPECT_EQ(down.headers["x-content-type-options"], "nosniff");
  }
  auto part = fetch("GET", url, {}, {{"Range", "bytes=7-11"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "files");
  EXPECT_EQ(part.headers["content-range"], "bytes 7-11/" + std::to_string(bytes.size()));

  // The event went out once, and was pushed to the user's WebSocket.
  auto frame = ws.read(10s);
  ASSERT_TRUE(frame) << "no push";
  auto pushed = json::parse(*frame).as_object();
  EXPECT_EQ(pushed.at("event").as_string(), "file.uploaded");
  EXPECT_EQ(pushed.at("data").at("file_id").as_string(), id);
  EXPECT_EQ(pushed.at("data").at("size").as_int64(), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'file.uploaded' AND "
                   "payload->'data'->>'file_id' = '" +
                   id + "'"),
            "1");

  // The console's /files shows it, ready.
  ws.send_text(R"({"id":"files","line":"/files"})");
  auto listing = ws.read(10s);
  ASSERT_TRUE(listing);
  auto reply = json::parse(*listing).as_object();
  ASSERT_EQ(reply.at("id").as_string(), "files") << *listing;
  ASSERT_TRUE(reply.at("ok").as_bool()) << *listing;
  ASSERT_EQ(reply.at("result").at("items").as_array().size(), 1U);
  EXPECT_EQ(reply.at("result").at("items").at(0).at("id").as_string(), id);
  EXPECT_EQ(reply.at("result").at("items").at(0).at("status").as_string(), "ready");

  // Newest first, in pages.
  auto second = ask_upload(u, "b.bin", "application/octet-stream", 1);
  auto third = ask_upload(u, "c.bin", "application/octet-stream", 1);
  auto page = json::parse(api(u, "GET", "/api/v1/files?limit=2").body).as_object();
  ASSERT_EQ(page.at("items").as_array().size(), 2U);
  EXPECT_EQ(page.at("items").as_array()[0].at("id").as_string(), id_of(third));
  EXPECT_EQ(page.at("items").as_array()[1].at("id").as_string(), id_of(second));
  auto rest = json::parse(api(u, "GET",
                              "/api/v1/files?limit=2&cursor=" +
                                  std::string{page.at("next_cursor").as_string()})
                              .body)
                  .as_object();
  ASSERT_EQ(rest.at("items").as_array().size(), 1U);
  EXPECT_EQ(rest.at("items").as_array()[0].at("id").as_string(), id);
  EXPECT_TRUE(rest.at("next_cursor").is_null());

  // An operator with files:read sees it and can download it.
  auto listed = admin("/api/v1/admin/files?user_id=" + u.id);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(json::parse(listed.body).at("items").as_array().size(), 3U);
  auto one = admin("/api/v1/admin/files/" + id);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(fetch("GET", std::string{json::parse(one.body).at("download_url").as_string()}).body,
            bytes);

  // Deleted: the object, the row and its bytes go; file.deleted is announced once.
  const auto key = key_of(id);
  EXPECT_TRUE(object_exists(key));
  EXPECT_EQ(api(u, "DELETE", "/api/v1/files/" + id).status, 204);
  EXPECT_EQ(api(u, "GET", "/api/v1/files/" + id).status, 404);
  EXPECT_EQ(api(u, "DELETE", "/api/v1/files/" + id).status, 404);
  EXPECT_FALSE(object_exists(key));
  EXPECT_EQ(fetch("GET", url).status, 404);
  EXPECT_EQ(scalar("SELECT reserved_bytes FROM file_quotas WHERE user_id = '" + u.id + "'"), "2");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'file.deleted' AND "
                   "payload->'data'->>'file_id' = '" +
                   id + "'"),
            "1");
  frame = ws.read(10s);
  ASSERT_TRUE(frame);
  EXPECT_EQ(json::parse(*frame).at("event").as_string(), "file.deleted");
}

TEST_P(FilesTest, EveryRefusalHasItsProblem) {
  start({{"FILES_QUOTA_BYTES", "3000"}, {"FILES_ALLOWED_TYPES", "image/*,text/plain"}});
  const auto u = sign_up();
  const auto slug = [](const http_reply& r) {
    return std::string{json::parse(r.body).at("type").as_string()};
  };
  // 413 before 409: a size over both the limit and the quota is too large.
  auto big = api(u, "POST", "/api/v1/files/upload",
                 R"({"filename":"a.png","content_type":"image/png","size":2000000})");
  EXPECT_EQ(big.status, 413);
  EXPECT_TRUE(slug(big).ends_with("/payload-too-large"));
  auto type = api(u, "POST", "/api/v1/files/upload",
                  R"({"filename":"a.html","content_type":"text/html","size":10})");
  EXPECT_EQ(type.status, 415);
  EXPECT_TRUE(slug(type).ends_with("/unsupported-media-type"));
  auto bad = api(u, "POST", "/api/v1/files/upload", R"({"filename":"","size":"x"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ask_upload(u, "a.png", "image/png", 2500).size(), 5U);
  auto quota = api(u, "POST", "/api/v1/files/upload",
                   R"({"filename":"b.png","content_type":"image/png","size":600})");
  EXPECT_EQ(quota.status, 409);
  EXPECT_TRUE(slug(quota).ends_with("/quota-exceeded"));

  // What the store refuses: other bytes, another type, a tampered URL.
  const std::string bytes(400, 'x');
  auto up = ask_upload(u, "t.txt", "text/plain", 400, crypto::sha256_hex(bytes));
  EXPECT_EQ(send_bytes(up, std::string(401, 'x')).status, 403);
  EXPECT_EQ(send_bytes(up, std::string(399, 'x')).status, 403);
  auto other_type = up;
  other_type["headers"] = json::object{{"Content-Type", "text/html"}};
  EXPECT_EQ(send_bytes(other_type, bytes).status, 403);
  auto tampered = up;
  auto url = std::string{up.at("upload_url").as_string()};
  const auto i = url.size() - 5;
  url[i] = url[i] == 'a' ? 'b' : 'a';
  tampered["upload_url"] = url;
  EXPECT_EQ(send_bytes(tampered, bytes).status, 403);
  // Same size, other bytes than declared: the store takes them, complete refuses them.
  ASSERT_EQ(send_bytes(up, std::string(400, 'y')).status, 200);
  auto mismatch = api(u, "POST", "/api/v1/files/" + id_of(up) + "/complete");
  EXPECT_EQ(mismatch.status, 409) << mismatch.body;
  // The URL still works until it expires: the right bytes complete.
  ASSERT_EQ(send_bytes(up, bytes).status, 200);
  EXPECT_EQ(api(u, "POST", "/api/v1/files/" + id_of(up) + "/complete").status, 200);
  // Nothing was written for the refused requests.
  EXPECT_EQ(scalar("SELECT count(*) FROM files WHERE user_id = '" + u.id + "'"), "2");
  EXPECT_EQ(scalar("SELECT reserved_bytes FROM file_quotas WHERE user_id = '" + u.id + "'"),
            "2900");
}

TEST_P(FilesTest, AnExpiredUrlIsRefusedAndTheUploadActorCleansUp) {
  start({{"FILES_URL_TTL", "2s"}});
  const auto u = sign_up();
  const std::string bytes = "never completed";
  auto up = ask_upload(u, "gone.txt", "text/plain", static_cast<int64_t>(bytes.size()));
  const auto id = id_of(up);
  const auto key = key_of(id);
  ASSERT_EQ(send_bytes(up, bytes).status, 200);
  EXPECT_TRUE(object_exists(key));
  if (!s3()) {
    // What a crash in the middle of an upload would leave beside the object.
    std::ofstream{data_dir_ / "storage" / (key + ".part-0123456789abcdef")} << "partial";
  }
  auto late = ask_upload(u, "late.txt", "text/plain", 4);
  std::this_thread::sleep_for(3500ms);
  EXPECT_EQ(send_bytes(late, "late").status, 403);
  // The upload actor deletes the object, any partial upload and the row, and frees the bytes.
  EXPECT_TRUE(eventually(20s, [&] {
    return scalar("SELECT count(*) FROM files WHERE user_id = '" + u.id + "'") == "0";
  }));
  EXPECT_FALSE(object_exists(key));
  if (!s3()) {
    EXPECT_TRUE(fs::is_empty(data_dir_ / "storage" / fs::path{key}.parent_path()));
  }
  EXPECT_EQ(scalar("SELECT reserved_bytes FROM file_quotas WHERE user_id = '" + u.id + "'"), "0");
  EXPECT_EQ(api(u, "POST", "/api/v1/files/" + id + "/complete").status, 404);
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE payload->'data'->>'file_id' = '" + id + "'"),
            "0");
}

TEST_P(FilesTest, ParallelUploadsNeverPassTheQuota) {
  start({{"FILES_QUOTA_BYTES", "10000"}});
  const auto u = sign_up();
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 25; ++i)
    calls.push_back(std::async(std::launch::async, [&, i] {
      return api(u, "POST", "/api/v1/files/upload",
                 R"({"filename":"f)" + std::to_string(i) +
                     R"(.bin","content_type":"application/octet-stream","size":1000})")
          .status;
    }));
  int created = 0;
  int refused = 0;
  for (auto& c : calls) {
    const auto status = c.get();
    created += status == 201 ? 1 : 0;
    refused += status == 409 ? 1 : 0;
  }
  EXPECT_EQ(created, 10);
  EXPECT_EQ(refused, 15);
  EXPECT_EQ(scalar("SELECT reserved_bytes FROM file_quotas WHERE user_id = '" + u.id + "'"),
            "10000");
  EXPECT_EQ(scalar("SELECT count(*) FROM files WHERE user_id = '" + u.id + "'"), "10");
  // A deletion frees its bytes for the next upload.
  auto page = json::parse(api(u, "GET", "/api/v1/files?limit=1").body).as_object();
  const auto first = std::string{page.at("items").as_array()[0].at("id").as_string()};
  EXPECT_EQ(api(u, "DELETE", "/api/v1/files/" + first).status, 204);
  ask_upload(u, "next.bin", "application/octet-stream", 1000);
  ask_upload(u, "over.bin", "application/octet-stream", 1, {}, 409);
}

TEST_P(FilesTest, AnotherUsersFileIsNotFoundOnEveryRoute) {
  start();
  const auto owner = sign_up();
  const auto other = sign_up();
  auto up = ask_upload(owner, "mine.txt", "text/plain", 2);
  ASSERT_EQ(send_bytes(up, "ok").status, 200);
  const auto id = id_of(up);
  EXPECT_EQ(api(other, "POST", "/api/v1/files/" + id + "/complete").status, 404);
  EXPECT_EQ(api(other, "GET", "/api/v1/files/" + id).status, 404);
  EXPECT_EQ(api(other, "DELETE", "/api/v1/files/" + id).status, 404);
  EXPECT_EQ(json::parse(api(other, "GET", "/api/v1/files").body).at("items").as_array().size(), 0U);
  EXPECT_EQ(api(other, "GET", "/api/v1/files/not-a-uuid").status, 404);
  // The owner's file is untouched by all that.
  EXPECT_EQ(api(owner, "POST", "/api/v1/files/" + id + "/complete").status, 200);
  EXPECT_EQ(api(owner, "GET", "/api/v1/files/" + id).status, 200);
  // Signed in is required; an API key without files:read is refused.
  EXPECT_EQ(http_call(port_, "GET", "/api/v1/files").status, 401);
  EXPECT_EQ(
      http_call(port_, "GET", "/api/v1/admin/files", {}, {{"Authorization", "ApiKey nope"}}).status,
      401);
}

TEST_P(FilesTest, AnUploadSurvivesARestartAndExpiriesAreFoundAgain) {
  start({{"FILES_URL_TTL", "8s"}});
  auto u = sign_up();
  const std::string bytes = "across a restart";
  auto kept = ask_upload(u, "kept.txt", "text/plain", static_cast<int64_t>(bytes.size()));
  auto dropped = ask_upload(u, "dropped.txt", "text/plain", 3);
  ASSERT_EQ(send_bytes(dropped, "abc").status, 200);
  stop();
  start({{"FILES_URL_TTL", "8s"}});
  // The URL signed before the restart still takes the bytes, and the file completes.
  ASSERT_EQ(send_bytes(kept, bytes).status, 200);
  auto done = api(u, "POST", "/api/v1/files/" + id_of(kept) + "/complete");
  ASSERT_EQ(done.status, 200) << done.body;
  // The other upload's actor is found again from the database and cleans up at expiry.
  const auto key = key_of(id_of(dropped));
  EXPECT_TRUE(eventually(20s, [&] {
    return scalar("SELECT count(*) FROM files WHERE id = '" + id_of(dropped) + "'") == "0";
  }));
  EXPECT_FALSE(object_exists(key));
  EXPECT_EQ(scalar("SELECT reserved_bytes FROM file_quotas WHERE user_id = '" + u.id + "'"),
            std::to_string(bytes.size()));
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE subject = 'file.uploaded' AND "
                   "payload->'data'->>'file_id' = '" +
                   id_of(kept) + "'"),
            "1");
}

TEST_P(FilesTest, APersonUploadsAndDownloadsWithCurl) {
  start();
  const auto u = sign_up();
  const auto file = data_dir_ / "photo.png";
  std::string bytes;
  for (int i = 0; i < 50000; ++i)
    bytes += static_cast<char>(i * 7);
  std::ofstream{file, std::ios::binary} << bytes;
  auto up = ask_upload(u, "photo.png", "image/png", static_cast<int64_t>(bytes.size()),
                       crypto::sha256_hex(bytes));
  const auto run = [](const std::string& cmd) {
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[256];
      while (std::fgets(buf, sizeof buf, p) != nullptr)
        out += buf;
      ::pclose(p);
    }
    return out;
  };
  // curl -T sends `Expect: 100-continue` for a body this size.
  EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' -T '" + file.string() +
                "' -H 'Content-Type: image/png' '" + std::string{up.at("upload_url").as_string()} +
                "'"),
            "200");
  auto done = api(u, "POST", "/api/v1/files/" + id_of(up) + "/complete");
  ASSERT_EQ(done.status, 200) << done.body;
  const auto url = std::string{json::parse(done.body).at("download_url").as_string()};
  const auto out = data_dir_ / "downloaded.png";
  EXPECT_EQ(run("curl -s -o '" + out.string() + "' -w '%{http_code}' '" + url + "'"), "200");
  std::ifstream in{out, std::ios::binary};
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>{in}, {}), bytes);
  EXPECT_EQ(run("curl -s -r 0-3 '" + url + "' | od -An -tu1 | tr -s ' '"), " 0 7 14 21\n");
}

INSTANTIATE_TEST_SUITE_P(Backends, FilesTest, ::testing::Values("local", "s3"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// --- what Swift's S3 API itself refuses of our signatures ---------------------------------------

class SwiftSignatureTest : public ::testing::Test {
protected:
  static storage::s3_store store(const std::string& secret) {
    const auto& env = swift_environment::settings();
    storage::s3_options o;
    o.endpoint = env.at("S3_ENDPOINT");
    o.bucket = env.at("S3_BUCKET");
    o.path_style = true;
    o.keys = {env.at("S3_ACCESS_KEY_ID"), secret, env.at("S3_REGION"), "s3"};
    return storage::s3_store{o};
  }

  static std::string key() {
    return "00000000-0000-0000-0000-000000000001/" + crypto::random_uuid() + "/" +
           crypto::random_uuid();
  }
};

TEST_F(SwiftSignatureTest, RefusesEveryChangeToASignedUpload) {
  const auto good = store(swift_environment::settings().at("S3_SECRET_ACCESS_KEY"));
  const auto k = key();
  const storage::object_ref o{k, "text/plain", 5, "a.txt"};
  const auto now = unix_seconds();
  const auto put = [](const std::string& url, const std::string& body, const std::string& type) {
    return fetch("PUT", url, body, {{"Content-Type", type}}).status;
  };
  const auto url = good.upload_url(o, now, 60).url;
  auto changed = url;
  changed.back() = changed.back() == '0' ? '1' : '0';
  EXPECT_EQ(put(changed, "hello", "text/plain"), 403);
  EXPECT_EQ(put(store("wrong-secret").upload_url(o, now, 60).url, "hello", "text/plain"), 403);
  EXPECT_EQ(put(good.upload_url(o, now - 120, 60).url, "hello", "text/plain"), 403);
  EXPECT_EQ(put(url, "hello", "text/html"), 403);
  EXPECT_EQ(put(url, "hello!", "text/plain"), 403);
  EXPECT_EQ(good.stat(k).result, storage::outcome::missing);
  EXPECT_EQ(put(url, "hello", "text/plain"), 200);
  EXPECT_EQ(good.stat(k).size, 5);
  EXPECT_EQ(good.sha256(k).sha256_hex, crypto::sha256_hex("hello"));
  EXPECT_EQ(good.remove(k), storage::outcome::ok);
  EXPECT_EQ(good.stat(k).result, storage::outcome::missing);
}

} // namespace
} // namespace gh::test
