// The admin API end to end: Gatehouse as a process against the run's real PostgreSQL and Redis,
// spoken to with `Authorization: ApiKey`. The database is shared with the other suites of the
// run (and earlier runs of this one), so every check looks only at rows this suite made.

#include "crypto/crypto.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <limits>

namespace gh::test {
namespace {

namespace json = boost::json;
using headers = std::map<std::string, std::string>;

json::object parse(const std::string& body) {
  return json::parse(body).as_object();
}

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string{v->as_string()} : std::string{};
}

headers api_key(const std::string& key) {
  return {{"Authorization", "ApiKey " + key}};
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// A random lowercase tag that marks one test's rows in the shared database.
std::string fresh_tag() {
  return "adm" + crypto::to_hex(crypto::random_bytes(5));
}

/// True when the problem body names `field` in `errors[]`.
bool names_field(const json::object& problem, std::string_view field) {
  const auto* errors = problem.if_contains("errors");
  if (errors == nullptr || !errors->is_array())
    return false;
  return std::any_of(errors->as_array().begin(), errors->as_array().end(),
                     [field](const json::value& e) {
                       return e.is_object() && str(e.as_object(), "field") == field;
                     });
}

class AdminTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = std::filesystem::temp_directory_path() / ("gh-admin-" + crypto::random_token(6));
    std::filesystem::create_directories(dir);
    bootstrap = "bootstrap-" + crypto::random_token(24);
    server = new gatehouse_process({{"GATEHOUSE_BOOTSTRAP_ADMIN_KEY", bootstrap},
                                    {"GATEHOUSE_DATA_DIR", (dir / "data").string()},
                                    // Long enough that 21 wrong keys fit in one window.
                                    {"GATEHOUSE_RATE_WINDOW", "60s"},
                                    {"GATEHOUSE_LOGIN_RATE", "1000"},
                                    {"GATEHOUSE_REGISTER_RATE", "1000"}});
    ASSERT_NE(server->port(), 0);
    // The bootstrap key works only while no live key exists: end the keys an earlier run of
    // this suite left in the shared database (no other suite makes API keys). The server has
    // migrated the database by now.
    exec("UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL");
    clear_key_failures();
    auto r = call("POST", "/api/v1/admin/api-keys", R"({"name":"admin suite","scopes":["*"]})",
                  api_key(bootstrap));
    ASSERT_EQ(r.status, 201) << r.body;
    const auto body = parse(r.body);
    root = str(body, "key");
    root_id = str(body, "id");
  }

  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
    std::filesystem::remove_all(dir);
  }

  void SetUp() override {
    ASSERT_NE(server, nullptr);
    ASSERT_FALSE(root.empty()) << "the suite could not create its key";
    clear_key_failures();
  }

  /// Forgets this address's wrong keys, so each test starts with a fresh allowance.
  static void clear_key_failures() {
    const auto url = required_env("REDIS_URL");
    ASSERT_EQ(
        std::system(("redis-cli -u " + url + " DEL gh:rl:apikey:ip:127.0.0.1 >/dev/null").c_str()),
        0);
  }

  static http_reply call(const std::string& method, const std::string& target,
                         const std::string& body = {}, headers h = {}) {
    if (!body.empty())
      h.emplace("Content-Type", "application/json");
    return http_call(server->port(), method, target, body, h);
  }

  static http_reply as_root(const std::string& method, const std::string& target,
                            const std::string& body = {}, headers h = {}) {
    h.emplace("Authorization", "ApiKey " + root);
    return call(method, target, body, std::move(h));
  }

  /// Creates a key with the root key; returns the 201 body.
  static json::object create_key(const std::string& name, const std::string& scopes_json) {
    auto r = as_root("POST", "/api/v1/admin/api-keys",
                     R"({"name":")" + name + R"(","scopes":)" + scopes_json + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body);
  }

  template <class... Args>
  static void exec(const std::string& sql, Args&&... args) {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::work tx{conn};
    tx.exec_params(sql, std::forward<Args>(args)...);
    tx.commit();
  }

  template <class... Args>
  static int64_t count(const std::string& sql, Args&&... args) {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::nontransaction tx{conn};
    const pqxx::row row = tx.exec_params1(sql, std::forward<Args>(args)...);
    return row[0].as<int64_t>();
  }

  struct made_user {
    std::string id;
    std::string email;
    std::string phone;
    std::string name;
    std::string created_at;
  };

  /// Inserts users straight into the database (created long ago, two at the same instant)
  /// marked with `tag`; returns them in listing order: (created_at, id).
  static std::vector<made_user> make_users(const std::string& tag) {
    std::string digits;
    for (const char b : crypto::random_bytes(7))
      digits += static_cast<char>('0' + static_cast<unsigned char>(b) % 10);
    std::vector<made_user> users{
        {crypto::random_uuid(), tag + ".0@example.com", "", "", "2001-01-01 00:00:00+00"},
        {crypto::random_uuid(), tag + ".1@example.com", "", "100 percent " + tag,
         "2001-01-01 00:00:01.000001+00"},
        {crypto::random_uuid(), tag + ".2@example.com", "", tag + "-x",
         "2001-01-01 00:00:01.000001+00"},
        {crypto::random_uuid(), "", "+1999" + digits, "Mr " + upper(tag) + "_X",
         "2001-01-01 00:00:02+00"},
        {crypto::random_uuid(), "other@" + tag + ".example", "", "100%" + tag,
         "2001-01-01 00:00:02.5+00"},
    };
    for (const auto& u : users)
      exec("INSERT INTO users (id, tenant_id, email, phone, name, password_hash, created_at) "
           "VALUES ($1::uuid, '00000000-0000-0000-0000-000000000001', NULLIF($2, ''), "
           "NULLIF($3, ''), NULLIF($4, ''), 'not a hash', $5::timestamptz)",
           u.id, u.email, u.phone, u.name, u.created_at);
    if (users[2].id < users[1].id)
      std::swap(users[1], users[2]);
    return users;
  }

  /// The ids a search lists, following every cursor with pages of `limit`; `pages` counts them.
  static std::vector<std::string> search(const std::string& query, int limit,
                                         int* pages = nullptr) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 1; page <= 50; ++page) {
      auto r = as_root("GET", "/api/v1/admin/users?query=" + query +
                                  "&limit=" + std::to_string(limit) + "&cursor=" + cursor);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200)
        break;
      auto body = parse(r.body);
      const auto& items = body.at("items").as_array();
      EXPECT_LE(items.size(), static_cast<std::size_t>(limit));
      for (const auto& item : items)
        ids.push_back(str(item.as_object(), "id"));
      if (pages != nullptr)
        *pages = page;
      if (body.at("next_cursor").is_null())
        break;
      cursor = str(body, "next_cursor");
      EXPECT_FALSE(cursor.empty());
    }
    return ids;
  }

  static std::vector<std::string> ids_of(const std::vector<made_user>& users,
                                         std::initializer_list<std::size_t> which) {
    std::vector<std::string> out;
    for (const auto i : which)
      out.push_back(users[i].id);
    return out;
  }

  static inline std::filesystem::path dir;
  static inline std::string bootstrap;
  static inline std::string root;
  static inline std::string root_id;
  static inline gatehouse_process* server = nullptr;
};

// --- authentication ---------------------------------------------------------------------------

TEST_F(AdminTest, EveryRouteWantsAnApiKey) {
  const auto some_id = crypto::random_uuid();
  const std::vector<std::pair<std::string, std::string>> routes{
      {"GET", "/api/v1/admin/api-keys"},
      {"POST", "/api/v1/admin/api-keys"},
      {"DELETE", "/api/v1/admin/api-keys/" + some_id},
      {"GET", "/api/v1/admin/users"},
      {"POST", "/api/v1/admin/users/" + some_id + "/disable"},
      {"POST", "/api/v1/admin/users/" + some_id + "/enable"},
      {"GET", "/api/v1/admin/audit"},
  };
  const std::vector<headers> callers{
      {},
      {{"Authorization", "ApiKey"}},
      {{"Authorization", "ApiKey "}},
      {{"Authorization", "Basic YWRtaW46YWRtaW4="}},
      {{"Authorization", "Bearer " + root}},
  };
  for (const auto& [method, path] : routes)
    for (const auto& h : callers) {
      const std::string body = method == "POST" ? R"({"name":"x","scopes":["*"]})" : "";
      auto r = call(method, path, body, h);
      EXPECT_EQ(r.status, 401) << method << " " << path << " -> " << r.body;
      EXPECT_EQ(r.headers["www-authenticate"], "ApiKey") << method << " " << path;
      EXPECT_EQ(r.headers["content-type"], "application/problem+json");
      EXPECT_EQ(str(parse(r.body), "type"), "https://gatehouse.dev/problems/unauthorized");
    }
  EXPECT_EQ(as_root("GET", "/api/v1/admin/api-keys").status, 200);
}

TEST_F(AdminTest, AFirstKeyThatCannotManageKeysIsRefused) {
  // No live key: the bootstrap key works again, and its first key must keep keys manageable.
  exec("UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL");
  const auto tag = fresh_tag();
  for (const auto* scopes :
       {R"(["users:read"])", R"(["users:read","users:write","audit:read"])", "[]"}) {
    auto r = call("POST", "/api/v1/admin/api-keys",
                  R"({"name":")" + tag + R"(","scopes":)" + scopes + "}", api_key(bootstrap));
    EXPECT_EQ(r.status, 400) << scopes << " -> " << r.body;
    EXPECT_TRUE(names_field(parse(r.body), "scopes")) << r.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM api_keys WHERE name = $1", tag), 0);
  // The bootstrap key still works, since nothing retired it.
  EXPECT_EQ(call("GET", "/api/v1/admin/api-keys", {}, api_key(bootstrap)).status, 200);
  // With `keys` (or `*`) the first key is made, and it retires the bootstrap key.
  auto made =
      call("POST", "/api/v1/admin/api-keys",
           R"({"name":")" + tag + R"(","scopes":["keys","users:read"]})", api_key(bootstrap));
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(call("GET", "/api/v1/admin/api-keys", {}, api_key(bootstrap)).status, 401);
  // The suite's root key again, alone.
  exec("UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL");
  exec("UPDATE api_keys SET revoked_at = NULL WHERE id = $1::uuid", root_id);
  EXPECT_EQ(as_root("GET", "/api/v1/admin/api-keys").status, 200);
}

TEST_F(AdminTest, WrongKeysAre401) {
  const auto made_up = "gh_aaaaaaaa_" + crypto::random_token(32);
  for (const auto& key : {made_up, root + "x", root.substr(0, root.size() - 1), upper(root),
                          std::string(600, 'k'), bootstrap}) {
    auto r = call("GET", "/api/v1/admin/users", {}, api_key(key));
    EXPECT_EQ(r.status, 401) << key.substr(0, 40) << " -> " << r.body;
    EXPECT_EQ(r.headers["www-authenticate"], "ApiKey");
  }
}

TEST_F(AdminTest, BootstrapKeyIsRefusedOnceARealKeyExists) {
  ASSERT_GE(count("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"), 1);
  EXPECT_EQ(call("GET", "/api/v1/admin/api-keys", {}, api_key(bootstrap)).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/admin/api-keys", R"({"name":"late","scopes":["*"]})",
                 api_key(bootstrap))
                .status,
            401);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys WHERE name = $1", "late"), 0);
  // The suite's own key was made with it, and that is on the record.
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'api_key.created' AND "
                  "actor = 'bootstrap' AND target = $1",
                  root_id),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys WHERE id = $1::uuid AND created_by = "
                  "'bootstrap'",
                  root_id),
            1);
}

TEST_F(AdminTest, WrongKeysFromOneAddressAreRateLimited) {
  const auto wrong = "gh_zzzzzzzz_" + crypto::random_token(32);
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(call("GET", "/api/v1/admin/audit", {}, api_key(wrong)).status, 401) << i;
  auto limited = call("GET", "/api/v1/admin/audit", {}, api_key(wrong));
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(str(parse(limited.body), "type"), "https://gatehouse.dev/problems/rate-limited");
  ASSERT_TRUE(limited.headers.contains("retry-after"));
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  // The address is blocked for the window, even with a good key: no key lookups for it.
  EXPECT_EQ(as_root("GET", "/api/v1/admin/audit").status, 429);
  clear_key_failures();
  EXPECT_EQ(as_root("GET", "/api/v1/admin/audit").status, 200);
}

// --- API keys ---------------------------------------------------------------------------------

TEST_F(AdminTest, NewKeyIsShownOnceAndStoredOnlyAsItsHash) {
  const auto name = fresh_tag();
  auto body = create_key(name, R"(["users:read","keys","users:read"])");
  const auto key = str(body, "key");
  const auto id = str(body, "id");
  EXPECT_TRUE(key.size() == 55 && key.rfind("gh_", 0) == 0 && key[11] == '_' &&
              only_of(key.substr(3, 8), base32_lower) && only_of(key.substr(12), base64url_chars))
      << key;
  EXPECT_EQ(str(body, "prefix"), key.substr(0, 11));
  EXPECT_EQ(str(body, "name"), name);
  EXPECT_EQ(json::serialize(body.at("scopes")), R"(["keys","users:read"])");
  EXPECT_TRUE(is_rfc3339_utc(str(body, "created_at"))) << str(body, "created_at");
  // Only the SHA-256 is stored; neither the key nor its secret part is anywhere in the row or
  // the audit log.
  const auto secret = key.substr(12);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys WHERE id = $1::uuid AND key_hash = $2", id,
                  crypto::sha256_hex(key)),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys WHERE strpos(id::text || name || prefix || "
                  "key_hash || coalesce(created_by, '') || array_to_string(scopes, ','), $1) > 0",
                  secret),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE strpos(details::text || "
                  "coalesce(target, '') || coalesce(actor, ''), $1) > 0",
                  secret),
            0);
  // The new key works with what it holds.
  EXPECT_EQ(call("GET", "/api/v1/admin/users?limit=1", {}, api_key(key)).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/admin/api-keys", {}, api_key(key)).status, 200);
}

TEST_F(AdminTest, ListingNeverShowsAKeyOrItsHash) {
  const auto name = fresh_tag();
  auto made = create_key(name, R"(["audit:read"])");
  const auto key = str(made, "key");
  auto r = as_root("GET", "/api/v1/admin/api-keys");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find(key.substr(12)), std::string::npos);
  EXPECT_EQ(r.body.find(crypto::sha256_hex(key)), std::string::npos);
  EXPECT_EQ(r.body.find(root.substr(12)), std::string::npos);
  const auto list = json::parse(r.body).as_array();
  bool found = false;
  for (const auto& v : list) {
    const auto& k = v.as_object();
    EXPECT_FALSE(k.contains("key"));
    EXPECT_FALSE(k.contains("key_hash"));
    if (str(k, "id") != str(made, "id"))
      continue;
    found = true;
    EXPECT_EQ(str(k, "name"), name);
    EXPECT_EQ(str(k, "prefix"), key.substr(0, 11));
    EXPECT_EQ(json::serialize(k.at("scopes")), R"(["audit:read"])");
    EXPECT_EQ(str(k, "created_by"), "api_key:" + root_id);
    EXPECT_TRUE(k.at("revoked_at").is_null());
  }
  EXPECT_TRUE(found);
}

TEST_F(AdminTest, ScopesAreEnforcedAndCannotBeEscalated) {
  const auto reader = str(create_key(fresh_tag(), R"(["users:read"])"), "key");
  const auto some_id = crypto::random_uuid();
  EXPECT_EQ(call("GET", "/api/v1/admin/users", {}, api_key(reader)).status, 200);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/admin/api-keys"},
           {"DELETE", "/api/v1/admin/api-keys/" + root_id},
           {"POST", "/api/v1/admin/users/" + some_id + "/disable"},
           {"POST", "/api/v1/admin/users/" + some_id + "/enable"},
           {"GET", "/api/v1/admin/audit"}}) {
    auto r = call(method, path, {}, api_key(reader));
    EXPECT_EQ(r.status, 403) << method << " " << path << " -> " << r.body;
    EXPECT_EQ(str(parse(r.body), "type"), "https://gatehouse.dev/problems/forbidden");
  }
  const auto before = count("SELECT count(*) FROM api_keys");
  EXPECT_EQ(call("POST", "/api/v1/admin/api-keys", R"({"name":"sneaky","scopes":["users:read"]})",
                 api_key(reader))
                .status,
            403);

  // A key manager may hand on only what it holds itself.
  const auto keys_only = str(create_key(fresh_tag(), R"(["keys","users:read"])"), "key");
  for (const auto* scopes : {R"(["*"])", R"(["users:write"])", R"(["users:read","audit:read"])"}) {
    auto r =
        call("POST", "/api/v1/admin/api-keys",
             R"({"name":"escalation","scopes":)" + std::string{scopes} + "}", api_key(keys_only));
    EXPECT_EQ(r.status, 403) << scopes << " -> " << r.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM api_keys WHERE name IN ('sneaky', 'escalation') AND "
                  "created_at > now() - interval '1 minute'"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), before + 1);
  auto ok = call("POST", "/api/v1/admin/api-keys", R"({"name":"narrower","scopes":["users:read"]})",
                 api_key(keys_only));
  EXPECT_EQ(ok.status, 201) << ok.body;
  // Nor may it end a key broader than itself.
  EXPECT_EQ(call("DELETE", "/api/v1/admin/api-keys/" + root_id, {}, api_key(keys_only)).status,
            403);
  EXPECT_EQ(as_root("GET", "/api/v1/admin/api-keys").status, 200);
}

TEST_F(AdminTest, RevokedKeyIs401) {
  auto made = create_key(fresh_tag(), R"(["users:read"])");
  const auto key = str(made, "key");
  const auto id = str(made, "id");
  ASSERT_EQ(call("GET", "/api/v1/admin/users?limit=1", {}, api_key(key)).status, 200);
  EXPECT_EQ(as_root("DELETE", "/api/v1/admin/api-keys/" + id).status, 204);
  auto r = call("GET", "/api/v1/admin/users?limit=1", {}, api_key(key));
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(as_root("DELETE", "/api/v1/admin/api-keys/" + id).status, 404);
  EXPECT_EQ(as_root("DELETE", "/api/v1/admin/api-keys/" + crypto::random_uuid()).status, 404);
  EXPECT_EQ(as_root("DELETE", "/api/v1/admin/api-keys/not-a-uuid").status, 404);
  EXPECT_EQ(as_root("DELETE", "/api/v1/admin/api-keys/1%20OR%201=1").status, 404);
  // The listing keeps it, marked revoked.
  auto list = json::parse(as_root("GET", "/api/v1/admin/api-keys").body).as_array();
  auto it = std::find_if(list.begin(), list.end(),
                         [&id](const json::value& v) { return str(v.as_object(), "id") == id; });
  ASSERT_NE(it, list.end());
  EXPECT_FALSE(str(it->as_object(), "revoked_at").empty());
}

TEST_F(AdminTest, BadKeyBodiesAre400NamingTheFieldAndWriteNothing) {
  const auto keys_before = count("SELECT count(*) FROM api_keys");
  const auto audit_before =
      count("SELECT count(*) FROM audit_log WHERE action = 'api_key.created'");
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"scopes":["keys"]})", "name"},
      {R"({"name":"","scopes":["keys"]})", "name"},
      {R"({"name":42,"scopes":["keys"]})", "name"},
      {R"({"name":"a\u0000b","scopes":["keys"]})", "name"},
      {R"({"name":")" + std::string(201, 'n') + R"(","scopes":["keys"]})", "name"},
      {R"({"name":"k"})", "scopes"},
      {R"({"name":"k","scopes":[]})", "scopes"},
      {R"({"name":"k","scopes":"*"})", "scopes"},
      {R"({"name":"k","scopes":["keys","root"]})", "scopes"},
      {R"({"name":"k","scopes":["keys"],"key":"gh_mine_mine"})", "key"},
      {R"({"name":"k","scopes":["keys"],"key_hash":"00"})", "key_hash"},
      {R"(["k"])", "body"},
      {R"({"name":"k","scopes":["keys"],"name":"twice"})", "body"},
  };
  for (const auto& [body, field] : cases) {
    auto r = as_root("POST", "/api/v1/admin/api-keys", body);
    ASSERT_EQ(r.status, 400) << body << " -> " << r.body;
    auto p = parse(r.body);
    EXPECT_EQ(str(p, "type"), "https://gatehouse.dev/problems/validation");
    EXPECT_TRUE(names_field(p, field)) << body << " -> " << r.body;
  }
  EXPECT_EQ(as_root("POST", "/api/v1/admin/api-keys", R"({"name":)").status, 400);
  EXPECT_EQ(http_call(server->port(), "POST", "/api/v1/admin/api-keys", "name=k",
                      {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Authorization", "ApiKey " + root}})
                .status,
            415);
  EXPECT_EQ(count("SELECT count(*) FROM api_keys"), keys_before);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'api_key.created'"), audit_before);
}

// --- users ------------------------------------------------------------------------------------

TEST_F(AdminTest, SearchMatchesEmailPhoneOrNameCaseInsensitively) {
  const auto tag = fresh_tag();
  const auto users = make_users(tag);
  EXPECT_EQ(search(tag, 50), ids_of(users, {0, 1, 2, 3, 4}));
  EXPECT_EQ(search(upper(tag), 50), ids_of(users, {0, 1, 2, 3, 4}));
  // `_` and `%` are matched as themselves, not as wildcards.
  EXPECT_EQ(search(tag + "_x", 50), ids_of(users, {3}));
  EXPECT_EQ(search("100%25" + tag, 50), ids_of(users, {4}));
  EXPECT_EQ(search("%25" + tag + "%25", 50), std::vector<std::string>{});
  // By phone, `+` percent-encoded (a bare `+` is a space).
  EXPECT_EQ(search("%2B" + users[3].phone.substr(1), 50), ids_of(users, {3}));
  EXPECT_EQ(search(tag + "-absent", 50), std::vector<std::string>{});

  auto r = as_root("GET", "/api/v1/admin/users?query=" + tag + ".0%40");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto item = parse(r.body).at("items").as_array().at(0).as_object();
  EXPECT_EQ(str(item, "id"), users[0].id);
  EXPECT_EQ(str(item, "tenant_id"), "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(str(item, "email"), users[0].email);
  EXPECT_FALSE(item.contains("phone"));
  EXPECT_FALSE(item.contains("name"));
  EXPECT_FALSE(item.contains("password_hash"));
  EXPECT_EQ(str(item, "status"), "active");
  EXPECT_FALSE(item.at("mfa_enabled").as_bool());
  EXPECT_EQ(str(item, "created_at"), "2001-01-01T00:00:00Z");
}

TEST_F(AdminTest, KeysetPaginationVisitsEveryMatchOnceInOrder) {
  const auto tag = fresh_tag();
  const auto users = make_users(tag);
  const auto all = ids_of(users, {0, 1, 2, 3, 4});
  int pages = 0;
  EXPECT_EQ(search(tag, 2, &pages), all);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(search(tag, 1, &pages), all);
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(search(tag, 5, &pages), all);
  EXPECT_EQ(pages, 1) << "a full last page has no next cursor";
  // A user made between two pages does not disturb the walk (it sorts after the cursor).
  auto first = parse(as_root("GET", "/api/v1/admin/users?limit=2&query=" + tag).body);
  exec("INSERT INTO users (id, tenant_id, email, password_hash) VALUES ($1::uuid, "
       "'00000000-0000-0000-0000-000000000001', $2, 'not a hash')",
       crypto::random_uuid(), tag + ".late@example.com");
  auto second = parse(as_root("GET", "/api/v1/admin/users?limit=2&query=" + tag +
                                         "&cursor=" + str(first, "next_cursor"))
                          .body);
  ASSERT_EQ(second.at("items").as_array().size(), 2U);
  EXPECT_EQ(str(second.at("items").as_array()[0].as_object(), "id"), users[2].id);
}

TEST_F(AdminTest, BadQueryParametersAre400NamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"cursor=garbage", "cursor"},
      {"cursor=dTEuMS5ub3QtYS11dWlk", "cursor"}, // "u1.1.not-a-uuid"
      {"cursor=YTEuNQ", "cursor"},               // an audit cursor
      {"limit=0", "limit"},
      {"limit=201", "limit"},
      {"limit=ten", "limit"},
      {"limit=-5", "limit"},
      {"query=%zz", "query"},
      {"query=%C3%28", "query"},
      {"query=" + std::string(201, 'q'), "query"},
      {"sort=email", "sort"},
  };
  for (const auto& [query, field] : cases) {
    auto r = as_root("GET", "/api/v1/admin/users?" + query);
    ASSERT_EQ(r.status, 400) << query << " -> " << r.body;
    auto p = parse(r.body);
    EXPECT_EQ(str(p, "type"), "https://gatehouse.dev/problems/validation");
    EXPECT_TRUE(names_field(p, field)) << query << " -> " << r.body;
  }
  EXPECT_EQ(as_root("GET", "/api/v1/admin/users?limit=200").status, 200);
}

TEST_F(AdminTest, DisableEndsEverySessionAndEnableAllowsLoginAgain) {
  const auto email = fresh_tag() + "@example.com";
  const std::string password = "correct horse battery";
  const std::string credentials = R"({"email":")" + email + R"(","password":")" + password + "\"}";
  auto reg = call("POST", "/api/v1/auth/register", credentials);
  ASSERT_EQ(reg.status, 201) << reg.body;
  const auto registered = parse(reg.body);
  const auto user_id = str(registered.at("user").as_object(), "id");
  auto login = call("POST", "/api/v1/auth/login", credentials);
  ASSERT_EQ(login.status, 200) << login.body;
  const auto access = str(registered, "access_token");
  const auto access2 = str(parse(login.body), "access_token");
  const headers bearer{{"Authorization", "Bearer " + access}};
  ASSERT_EQ(call("GET", "/api/v1/users/me", {}, bearer).status, 200);

  const std::string request_id = "admin-test-" + crypto::random_token(8);
  auto off = as_root("POST", "/api/v1/admin/users/" + user_id + "/disable", {},
                     {{"X-Request-Id", request_id}, {"User-Agent", "admin-suite/1"}});
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(str(parse(off.body), "status"), "disabled");
  EXPECT_EQ(str(parse(off.body), "id"), user_id);
  EXPECT_EQ(off.headers["x-request-id"], request_id);

  // Both sessions end: their access tokens stop at once, refresh and login fail.
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, {{"Authorization", "Bearer " + access2}}).status,
            401);
  EXPECT_EQ(call("POST", "/api/v1/auth/refresh",
                 R"({"refresh_token":")" + str(registered, "refresh_token") + "\"}")
                .status,
            401);
  EXPECT_EQ(call("POST", "/api/v1/auth/login", credentials).status, 401);
  EXPECT_EQ(count("SELECT count(*) FROM refresh_families WHERE user_id = $1::uuid AND "
                  "revoked_reason = 'disabled'",
                  user_id),
            2);
  // Published for the other replicas.
  const auto family = [&] {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::nontransaction tx{conn};
    return tx
        .exec_params1("SELECT id::text FROM refresh_families WHERE user_id = $1::uuid "
                      "LIMIT 1",
                      user_id)[0]
        .as<std::string>();
  }();
  EXPECT_EQ(std::system(("test -n \"$(redis-cli -u " + required_env("REDIS_URL") +
                         " ZSCORE gh:revoked " + family + ")\"")
                            .c_str()),
            0);
  // On the record, in the same transaction as the change.
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'user.disabled' AND target = $1 "
                  "AND actor = $2 AND request_id = $3 AND ip = '127.0.0.1' AND user_agent = "
                  "'admin-suite/1' AND details->>'sessions_revoked' = '2' AND tenant_id = "
                  "'00000000-0000-0000-0000-000000000001'",
                  user_id, "api_key:" + root_id, request_id),
            1);

  auto on = as_root("POST", "/api/v1/admin/users/" + user_id + "/enable");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(str(parse(on.body), "status"), "active");
  EXPECT_EQ(call("POST", "/api/v1/auth/login", credentials).status, 200);
  // The old tokens stay dead.
  EXPECT_EQ(call("GET", "/api/v1/users/me", {}, bearer).status, 401);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'user.enabled' AND target = $1 "
                  "AND actor = $2",
                  user_id, "api_key:" + root_id),
            1);
}

TEST_F(AdminTest, UnknownUsersAre404AndWriteNothing) {
  const auto before = count("SELECT count(*) FROM audit_log WHERE action LIKE 'user.%abled'");
  for (const auto& id : {crypto::random_uuid(), std::string{"nope"}, std::string{"1%20OR%201=1"}}) {
    EXPECT_EQ(as_root("POST", "/api/v1/admin/users/" + id + "/disable").status, 404) << id;
    EXPECT_EQ(as_root("POST", "/api/v1/admin/users/" + id + "/enable").status, 404) << id;
  }
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action LIKE 'user.%abled'"), before);
}

// --- audit log --------------------------------------------------------------------------------

TEST_F(AdminTest, KeyActionsAreAuditedAndTheLogIsListedNewestFirst) {
  const std::string request_id = "admin-audit-" + crypto::random_token(8);
  auto made =
      as_root("POST", "/api/v1/admin/api-keys", R"({"name":"audited","scopes":["audit:read"]})",
              {{"X-Request-Id", request_id}});
  ASSERT_EQ(made.status, 201) << made.body;
  const auto id = str(parse(made.body), "id");
  ASSERT_EQ(as_root("DELETE", "/api/v1/admin/api-keys/" + id).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'api_key.created' AND target = "
                  "$1 AND actor = $2 AND request_id = $3 AND details->>'name' = 'audited'",
                  id, "api_key:" + root_id, request_id),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'api_key.revoked' AND target = "
                  "$1 AND actor = $2",
                  id, "api_key:" + root_id),
            1);

  auto r = as_root("GET", "/api/v1/admin/audit?limit=200");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = parse(r.body);
  const auto& items = body.at("items").as_array();
  ASSERT_GE(items.size(), 2U);
  auto previous = std::numeric_limits<int64_t>::max();
  bool created = false;
  bool revoked = false;
  for (const auto& v : items) {
    const auto& item = v.as_object();
    const auto item_id = item.at("id").as_int64();
    EXPECT_LT(item_id, previous) << "newest first";
    previous = item_id;
    for (const auto* key : {"at", "tenant_id", "actor", "action", "target", "ip", "user_agent",
                            "request_id", "details"})
      EXPECT_TRUE(item.contains(key)) << key;
    EXPECT_TRUE(item.at("details").is_object());
    if (str(item, "target") == id) {
      created = created || (str(item, "action") == "api_key.created" &&
                            str(item, "request_id") == request_id &&
                            str(item.at("details").as_object(), "name") == "audited");
      revoked = revoked || str(item, "action") == "api_key.revoked";
      EXPECT_EQ(str(item, "actor"), "api_key:" + root_id);
      EXPECT_EQ(str(item, "ip"), "127.0.0.1");
      EXPECT_TRUE(item.at("tenant_id").is_null());
    }
  }
  EXPECT_TRUE(created);
  EXPECT_TRUE(revoked);

  // Pages follow each other without overlap.
  auto page1 = parse(as_root("GET", "/api/v1/admin/audit?limit=2").body);
  ASSERT_EQ(page1.at("items").as_array().size(), 2U);
  ASSERT_TRUE(page1.at("next_cursor").is_string());
  const auto last = page1.at("items").as_array()[1].as_object().at("id").as_int64();
  auto page2 = as_root("GET", "/api/v1/admin/audit?limit=2&cursor=" + str(page1, "next_cursor"));
  ASSERT_EQ(page2.status, 200) << page2.body;
  const auto second = parse(page2.body);
  for (const auto& v : second.at("items").as_array())
    EXPECT_LT(v.as_object().at("id").as_int64(), last);

  for (const auto* query : {"cursor=garbage", "limit=0", "limit=500", "query=x"}) {
    auto bad = as_root("GET", std::string{"/api/v1/admin/audit?"} + query);
    EXPECT_EQ(bad.status, 400) << query << " -> " << bad.body;
  }
  EXPECT_TRUE(names_field(parse(as_root("GET", "/api/v1/admin/audit?cursor=x").body), "cursor"));
  EXPECT_TRUE(names_field(parse(as_root("GET", "/api/v1/admin/audit?limit=x").body), "limit"));
}

} // namespace
} // namespace gh::test
