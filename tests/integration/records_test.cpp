// The records API through HTTP (API.md "Records"): every route, the limits, versions and merge
// patches, pages under concurrent inserts, another user's and another organization's ids (404),
// the roles of an organization's collections, pushes to exactly the users who may read a
// record, and removal with the account and with the organization.
#include "tests/integration/tenancy_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

class RecordsTest : public TenancyTest {};

TEST_F(RecordsTest, APersonalRecordIsCreatedReadListedPatchedAndDeleted) {
  const auto ada = sign_up("ada");
  auto created = call("POST", records_path("notes"), ada, R"({"data":{"title":"hi","n":1}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto rec = parse(created.body);
  const auto id = str(rec, "id");
  EXPECT_EQ(str(rec, "collection"), "notes");
  EXPECT_EQ(rec.at("version").as_int64(), 1);
  EXPECT_EQ(rec.at("data"), parse(R"({"title":"hi","n":1})"));
  EXPECT_FALSE(str(rec, "created_at").empty());
  EXPECT_EQ(created.headers["etag"], "\"1\"");

  auto read = call("GET", records_path("notes", {}, id), ada);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(parse(read.body), rec);

  auto listed = call("GET", records_path("notes"), ada);
  ASSERT_EQ(listed.status, 200);
  auto page = parse(listed.body);
  ASSERT_EQ(page.at("items").as_array().size(), 1U);
  EXPECT_EQ(page.at("items").as_array()[0], rec);
  EXPECT_TRUE(page.at("next_cursor").is_null());

  auto patched = call("PATCH", records_path("notes", {}, id), ada,
                      R"({"data":{"title":"hello","n":null,"tags":["x"]}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto after = parse(patched.body);
  EXPECT_EQ(after.at("version").as_int64(), 2);
  EXPECT_EQ(after.at("data"), parse(R"({"title":"hello","tags":["x"]})"));
  EXPECT_EQ(patched.headers["etag"], "\"2\"");

  EXPECT_EQ(call("DELETE", records_path("notes", {}, id), ada).status, 204);
  EXPECT_EQ(call("GET", records_path("notes", {}, id), ada).status, 404);
  EXPECT_EQ(call("DELETE", records_path("notes", {}, id), ada).status, 404);
  // Every change left an audit row and an event.
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE target = $1 AND action LIKE 'record.%'", id), 3);
  auto subjects = sql("SELECT subject FROM outbox WHERE payload->'data'->>'record_id' = $1 "
                      "ORDER BY seq",
                      id);
  ASSERT_EQ(subjects.size(), 3U);
  EXPECT_EQ(subjects[0][0].as<std::string>(), "record.created");
  EXPECT_EQ(subjects[1][0].as<std::string>(), "record.updated");
  EXPECT_EQ(subjects[2][0].as<std::string>(), "record.deleted");
  auto data = sql("SELECT payload->'data' FROM outbox WHERE payload->'data'->>'record_id' = $1 "
                  "AND subject = 'record.updated'",
                  id);
  EXPECT_EQ(parse(data[0][0].as<std::string>()),
            parse(R"({"collection":"notes","record_id":")" + id + R"(","owner_id":")" + ada.id +
                  R"(","version":2})"));
}

TEST_F(RecordsTest, AnotherUsersRecordIdsAreNotFoundOnEveryRoute) {
  const auto ada = sign_up("ada");
  const auto bob = sign_up("bob");
  const auto id = create_record(ada, "notes", R"({"secret":"ada's"})");
  const auto bobs_org = create_org(bob, "Bob's");
  for (const auto& [method, body] : std::vector<std::pair<std::string, std::string>>{
           {"GET", ""}, {"PATCH", R"({"data":{"secret":"bob's"}})"}, {"DELETE", ""}}) {
    auto r = call(method, records_path("notes", {}, id), bob, body);
    EXPECT_EQ(r.status, 404) << method << " " << r.body;
    EXPECT_EQ(slug(r), "not-found");
    // Nor through an organization of Bob's.
    EXPECT_EQ(call(method, records_path("notes", bobs_org, id), bob, body).status, 404) << method;
  }
  EXPECT_EQ(call("DELETE", records_path("notes", {}, id), bob, {}, {{"If-Match", "*"}}).status,
            404);
  // Bob's listing of the same collection name is his own (empty).
  auto listed = parse(call("GET", records_path("notes"), bob).body);
  EXPECT_TRUE(listed.at("items").as_array().empty());
  // Ada's own record in another collection does not exist either.
  EXPECT_EQ(call("GET", records_path("todos", {}, id), ada).status, 404);
  // Nothing changed.
  auto still = parse(call("GET", records_path("notes", {}, id), ada).body);
  EXPECT_EQ(still.at("version").as_int64(), 1);
  EXPECT_EQ(str(still.at("data"), "secret"), "ada's");
}

TEST_F(RecordsTest, MergePatchFollowsRfc7396ThroughTheApi) {
  const auto ada = sign_up("ada");
  // The examples of RFC 7396 Appendix A whose original and result are objects (a record's data
  // is always an object).
  const struct {
    const char* original;
    const char* patch;
    const char* result;
  } cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& c : cases) {
    const auto id = create_record(ada, "rfc", c.original);
    auto r =
        call("PATCH", records_path("rfc", {}, id), ada, R"({"data":)" + std::string{c.patch} + "}");
    ASSERT_EQ(r.status, 200) << c.patch << ": " << r.body;
    EXPECT_EQ(parse(r.body).at("data"), parse(c.result)) << c.original << " + " << c.patch;
    EXPECT_EQ(parse(call("GET", records_path("rfc", {}, id), ada).body).at("data"),
              parse(c.result));
  }
  // Patches whose result is not an object are refused, and leave the record as it was.
  const auto id = create_record(ada, "rfc", R"({"a":"foo"})");
  for (const char* patch : {"null", R"(["c"])", R"("bar")", "7"}) {
    auto r =
        call("PATCH", records_path("rfc", {}, id), ada, R"({"data":)" + std::string{patch} + "}");
    EXPECT_EQ(r.status, 400) << patch << ": " << r.body;
  }
  // An empty patch changes nothing but the version.
  auto empty = call("PATCH", records_path("rfc", {}, id), ada, R"({"data":{}})");
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(parse(empty.body).at("data"), parse(R"({"a":"foo"})"));
  EXPECT_EQ(parse(empty.body).at("version").as_int64(), 2);
  // A patch that would grow the data past 64 KiB is 413; one nesting it past 32 levels is 400.
  auto big = call("PATCH", records_path("rfc", {}, id), ada,
                  R"({"data":{"b":")" + std::string(40000, 'x') + R"("}})");
  ASSERT_EQ(big.status, 200);
  auto bigger = call("PATCH", records_path("rfc", {}, id), ada,
                     R"({"data":{"c":")" + std::string(40000, 'y') + R"("}})");
  EXPECT_EQ(bigger.status, 413) << bigger.body;
  EXPECT_EQ(slug(bigger), "payload-too-large");
  std::string deep = "1";
  for (int i = 0; i < 31; ++i)
    deep = R"({"d":)" + deep + "}";
  EXPECT_EQ(
      call("PATCH", records_path("rfc", {}, id), ada, R"({"data":{"x":)" + deep + "}}").status,
      200);
  EXPECT_EQ(call("PATCH", records_path("rfc", {}, id), ada, R"({"data":{"x":{"d":)" + deep + "}}}")
                .status,
            400);
  auto now = parse(call("GET", records_path("rfc", {}, id), ada).body);
  EXPECT_EQ(now.at("version").as_int64(), 4);
  EXPECT_EQ(now.at("data").as_object().count("c"), 0U);
}

TEST_F(RecordsTest, AStaleIfMatchIsPreconditionFailed) {
  const auto ada = sign_up("ada");
  const auto id = create_record(ada, "notes", R"({"n":1})");
  const auto path = records_path("notes", {}, id);
  ASSERT_EQ(call("PATCH", path, ada, R"({"data":{"n":2}})", {{"If-Match", "\"1\""}}).status, 200);
  auto stale = call("PATCH", path, ada, R"({"data":{"n":3}})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(slug(stale), "precondition-failed");
  EXPECT_EQ(parse(call("GET", path, ada).body).at("data").at("n").as_int64(), 2);
  EXPECT_EQ(call("PATCH", path, ada, R"({"data":{"n":3}})", {{"If-Match", "W/\"2\""}}).status, 412);
  EXPECT_EQ(call("PATCH", path, ada, R"({"data":{"n":3}})", {{"If-Match", "\"7\", \"2\""}}).status,
            200);
  EXPECT_EQ(call("PATCH", path, ada, R"({"data":{"n":4}})", {{"If-Match", "*"}}).status, 200);
  EXPECT_EQ(call("PATCH", path, ada, R"({"data":{"n":5}})", {{"If-Match", "4"}}).status, 400);
  EXPECT_EQ(call("DELETE", path, ada, {}, {{"If-Match", "\"3\""}}).status, 412);
  EXPECT_EQ(call("GET", path, ada).status, 200);
  EXPECT_EQ(call("DELETE", path, ada, {}, {{"If-Match", "\"4\""}}).status, 204);
  EXPECT_EQ(call("PATCH", path, ada, R"({"data":{}})", {{"If-Match", "\"4\""}}).status, 404);
}

TEST_F(RecordsTest, PagesAreNewestFirstAndStableWhileRecordsAreAdded) {
  const auto ada = sign_up("ada");
  std::vector<std::string> before;
  for (int i = 0; i < 45; ++i)
    before.push_back(create_record(ada, "feed", R"({"i":)" + std::to_string(i) + "}"));
  // Another client keeps adding records while the pages are read.
  std::atomic<bool> stop{false};
  std::atomic<int> added{0};
  std::thread writer{[&] {
    while (!stop) {
      if (call("POST", records_path("feed"), ada, R"({"data":{"late":true}})").status == 201)
        ++added;
    }
  }};
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto r =
        call("GET",
             records_path("feed") + "?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor), ada);
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = parse(r.body);
    for (const auto& item : page.at("items").as_array())
      seen.push_back(str(item, "id"));
    cursor = page.at("next_cursor").is_null() ? std::string{} : str(page, "next_cursor");
    ++pages;
    std::this_thread::sleep_for(20ms);
  } while (!cursor.empty() && pages < 100);
  stop = true;
  writer.join();
  EXPECT_GT(added.load(), 0);
  // The first page may hold records added before it was read; after it, nothing new shows,
  // nothing repeats and nothing is skipped.
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size());
  std::vector<std::string> old_ones;
  for (const auto& id : seen)
    if (std::find(before.begin(), before.end(), id) != before.end())
      old_ones.push_back(id);
  EXPECT_EQ(old_ones, std::vector<std::string>(before.rbegin(), before.rend()));
  EXPECT_LE(seen.size() - old_ones.size(), 10U);
  // Limits and cursors are checked.
  EXPECT_EQ(call("GET", records_path("feed") + "?limit=0", ada).status, 400);
  EXPECT_EQ(call("GET", records_path("feed") + "?limit=101", ada).status, 400);
  EXPECT_EQ(call("GET", records_path("feed") + "?cursor=bogus", ada).status, 400);
  auto full = parse(call("GET", records_path("feed") + "?limit=100", ada).body);
  EXPECT_EQ(full.at("items").as_array().size(),
            std::min<std::size_t>(100, before.size() + static_cast<std::size_t>(added.load())));
}

TEST_F(RecordsTest, FiltersMatchByJsonContainment) {
  const auto ada = sign_up("ada");
  const auto open_a =
      create_record(ada, "tasks", R"({"status":"open","tags":["a","b"],"p":{"x":1,"y":2}})");
  const auto open_b = create_record(ada, "tasks", R"({"status":"open","tags":["b"]})");
  const auto done = create_record(ada, "tasks", R"({"status":"done","tags":["a"],"p":{"x":1}})");
  const auto ids = [&](const std::string& encoded_filter) {
    auto r = call("GET", records_path("tasks") + "?filter=" + encoded_filter, ada);
    EXPECT_EQ(r.status, 200) << encoded_filter << ": " << r.body;
    std::set<std::string> out;
    const auto page = parse(r.body);
    for (const auto& item : page.at("items").as_array())
      out.insert(str(item, "id"));
    return out;
  };
  EXPECT_EQ(ids("%7B%22status%22%3A%22open%22%7D"), (std::set<std::string>{open_a, open_b}));
  EXPECT_EQ(ids("%7B%22tags%22%3A%5B%22a%22%5D%7D"), (std::set<std::string>{open_a, done}));
  EXPECT_EQ(ids("%7B%22p%22%3A%7B%22x%22%3A1%7D%7D"), (std::set<std::string>{open_a, done}));
  EXPECT_EQ(ids("%7B%22p%22%3A%7B%22y%22%3A2%7D%2C%22status%22%3A%22open%22%7D"),
            (std::set<std::string>{open_a}));
  EXPECT_EQ(ids("%7B%22status%22%3A%22gone%22%7D"), (std::set<std::string>{}));
  EXPECT_EQ(ids("%7B%7D").size(), 3U);
  // SQL in a filter is only ever a value.
  EXPECT_TRUE(ids("%7B%22status%22%3A%22open%27%29%20OR%201%3D1%20--%22%7D").empty());
  for (const char* bad : {"%5B1%5D", "%7Bbad", "1", "%22s%22"}) {
    auto r = call("GET", records_path("tasks") + "?filter=" + bad, ada);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(slug(r), "validation");
  }
}

TEST_F(RecordsTest, NamesSizesAndIdsAreChecked) {
  const auto ada = sign_up("ada");
  for (const char* bad : {"Notes", "1x", "a-b", "_x"}) {
    auto r = call("POST", records_path(bad), ada, R"({"data":{}})");
    EXPECT_EQ(r.status, 400) << bad;
  }
  EXPECT_EQ(call("POST", records_path(std::string(64, 'a')), ada, R"({"data":{}})").status, 400);
  EXPECT_EQ(call("POST", records_path(std::string(63, 'a')), ada, R"({"data":{}})").status, 201);
  auto big = call("POST", records_path("notes"), ada,
                  R"({"data":{"s":")" + std::string(64 * 1024, 'x') + R"("}})");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(slug(big), "payload-too-large");
  EXPECT_EQ(call("POST", records_path("notes"), ada,
                 R"({"data":{"s":")" + std::string(64 * 1024 - 8, 'x') + R"("}})")
                .status,
            201);
  EXPECT_EQ(call("POST", records_path("notes"), ada, R"({"data":[1,2]})").status, 400);
  EXPECT_EQ(call("POST", records_path("notes"), ada, R"({"data":{"a":"\u0000"}})").status, 400);
  EXPECT_EQ(call("GET", records_path("notes", {}, "not-a-uuid"), ada).status, 404);
  EXPECT_EQ(call("GET", records_path("notes"), account{}).status, 401);
  EXPECT_EQ(call("GET", records_path("notes", "not-a-uuid"), ada).status, 404);
  EXPECT_EQ(http_call(port(), "POST", records_path("notes"), R"({"data":{}})",
                      {{"Authorization", "Bearer " + ada.token}, {"Content-Type", "text/plain"}})
                .status,
            415);
}

TEST_F(RecordsTest, APersonalRecordIsPushedToItsOwnerOnly) {
  const auto ada = sign_up("ada");
  const auto bob = sign_up("bob");
  ws_client ada_ws{port(), ws_bearer(ada.token)};
  ws_client bob_ws{port(), ws_bearer(bob.token)};
  const auto id = create_record(ada, "notes", R"({"n":1})");
  auto created = next_event(ada_ws, "record.created", 30s);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->at("record_id").as_string(), id);
  EXPECT_EQ(created->at("owner_id").as_string(), ada.id);
  EXPECT_EQ(created->at("collection").as_string(), "notes");
  ASSERT_EQ(call("PATCH", records_path("notes", {}, id), ada, R"({"data":{"n":2}})").status, 200);
  auto updated = next_event(ada_ws, "record.updated", 30s);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->at("version").as_int64(), 2);
  ASSERT_EQ(call("DELETE", records_path("notes", {}, id), ada).status, 204);
  ASSERT_TRUE(next_event(ada_ws, "record.deleted", 30s));
  EXPECT_TRUE(nothing_pushed(bob_ws));
}

TEST_F(RecordsTest, AnOrganizationsRecordsFollowTheRoles) {
  const auto owner = sign_up("owner");
  const auto admin = sign_up("admin");
  const auto member = sign_up("member");
  const auto viewer = sign_up("viewer");
  const auto outsider = sign_up("outsider");
  const auto org = create_org(owner);
  join(org, owner, admin, "admin");
  join(org, owner, member, "member");
  join(org, admin, viewer, "viewer");

  // Owner, admin and member write; everyone in the organization reads what they wrote.
  std::vector<std::string> ids;
  for (const auto* who : {&owner, &admin, &member})
    ids.push_back(create_record(*who, "docs", R"({"by":")" + who->email + R"("})", org));
  for (const auto* who : {&owner, &admin, &member, &viewer}) {
    auto listed = call("GET", records_path("docs", org), *who);
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(parse(listed.body).at("items").as_array().size(), 3U);
    for (const auto& id : ids)
      EXPECT_EQ(call("GET", records_path("docs", org, id), *who).status, 200);
  }
  EXPECT_EQ(call("PATCH", records_path("docs", org, ids[0]), member, R"({"data":{"ok":1}})").status,
            200);
  auto owner_event = sql("SELECT payload->'data' FROM outbox WHERE subject = 'record.created' "
                         "AND payload->'data'->>'record_id' = $1",
                         ids[0]);
  EXPECT_EQ(parse(owner_event[0][0].as<std::string>()),
            parse(R"({"collection":"docs","record_id":")" + ids[0] + R"(","org_id":")" + org +
                  R"(","version":1})"));

  // A viewer reads but never writes: 403.
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", records_path("docs", org), R"({"data":{}})"},
           {"PATCH", records_path("docs", org, ids[1]), R"({"data":{"x":1}})"},
           {"DELETE", records_path("docs", org, ids[1]), ""}}) {
    auto r = call(method, path, viewer, body);
    EXPECT_EQ(r.status, 403) << method << " " << r.body;
    EXPECT_EQ(slug(r), "forbidden");
  }
  // Anyone else gets 404 on all five routes.
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", records_path("docs", org), R"({"data":{}})"},
           {"GET", records_path("docs", org), ""},
           {"GET", records_path("docs", org, ids[1]), ""},
           {"PATCH", records_path("docs", org, ids[1]), R"({"data":{"x":1}})"},
           {"DELETE", records_path("docs", org, ids[1]), ""}}) {
    auto r = call(method, path, outsider, body);
    EXPECT_EQ(r.status, 404) << method << " " << path << " " << r.body;
  }
  // An organization's record is not a personal record of its author, nor another
  // organization's, even for someone who belongs to both.
  const auto other_org = create_org(member, "Other");
  EXPECT_EQ(call("GET", records_path("docs", {}, ids[2]), member).status, 404);
  EXPECT_EQ(call("GET", records_path("docs", other_org, ids[2]), member).status, 404);
  EXPECT_EQ(call("DELETE", records_path("docs", other_org, ids[2]), member).status, 404);
  const auto personal = create_record(member, "docs", R"({"mine":true})");
  EXPECT_EQ(call("GET", records_path("docs", org, personal), owner).status, 404);
  EXPECT_EQ(call("GET", records_path("docs", org, personal), member).status, 404);
  // Deleting takes a writer: the member deletes.
  EXPECT_EQ(call("DELETE", records_path("docs", org, ids[1]), member).status, 204);
}

TEST_F(RecordsTest, AnOrganizationsRecordIsPushedToEveryMemberAndNobodyElse) {
  const auto owner = sign_up("owner");
  const auto member = sign_up("member");
  const auto viewer = sign_up("viewer");
  const auto outsider = sign_up("outsider");
  const auto org = create_org(owner);
  join(org, owner, member, "member");
  join(org, owner, viewer, "viewer");
  ws_client owner_ws{port(), ws_bearer(owner.token)};
  ws_client member_ws{port(), ws_bearer(member.token)};
  ws_client viewer_ws{port(), ws_bearer(viewer.token)};
  ws_client outsider_ws{port(), ws_bearer(outsider.token)};

  const auto id = create_record(member, "docs", R"({"n":1})", org);
  for (auto* ws : {&owner_ws, &member_ws, &viewer_ws}) {
    auto data = next_event(*ws, "record.created", 30s);
    ASSERT_TRUE(data);
    EXPECT_EQ(data->at("record_id").as_string(), id);
    EXPECT_EQ(data->at("org_id").as_string(), org);
  }
  EXPECT_TRUE(nothing_pushed(outsider_ws));

  // Removed from the organization, the viewer hears nothing more and reads nothing more.
  ASSERT_EQ(call("DELETE", "/api/v1/orgs/" + org + "/members/" + viewer.id, owner).status, 204);
  EXPECT_EQ(call("GET", records_path("docs", org, id), viewer).status, 404);
  ASSERT_EQ(call("PATCH", records_path("docs", org, id), owner, R"({"data":{"n":2}})").status, 200);
  for (auto* ws : {&owner_ws, &member_ws})
    ASSERT_TRUE(next_event(*ws, "record.updated", 30s));
  EXPECT_TRUE(nothing_pushed(viewer_ws));
  EXPECT_TRUE(nothing_pushed(outsider_ws));
}

TEST_F(RecordsTest, RecordsAndMembershipsGoWithTheAccount) {
  const auto ada = sign_up("ada");
  const auto bob = sign_up("bob");
  const auto shared = create_org(ada, "Shared");
  join(shared, ada, bob, "member");
  const auto alone = create_org(ada, "Alone");
  create_record(ada, "notes", R"({"n":1})");
  create_record(ada, "notes", R"({"n":2})");
  const auto shared_record = create_record(ada, "docs", R"({"n":3})", shared);
  create_record(ada, "docs", R"({"n":4})", alone);
  const auto bobs = create_record(bob, "notes", R"({"n":5})");

  auto deleted = call("DELETE", "/api/v1/users/me", ada, R"({"password":"correct horse battery"})");
  ASSERT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(count("SELECT count(*) FROM records WHERE owner_id = $1::uuid", ada.id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM org_members WHERE user_id = $1::uuid", ada.id), 0);
  // The organization nobody is left in went, with its records.
  EXPECT_EQ(count("SELECT count(*) FROM organizations WHERE id = $1::uuid", alone), 0);
  EXPECT_EQ(count("SELECT count(*) FROM records WHERE org_id = $1::uuid", alone), 0);
  // The shared one stays with Bob, its longest-standing member, as owner, and keeps its records.
  auto org = call("GET", "/api/v1/orgs/" + shared, bob);
  ASSERT_EQ(org.status, 200) << org.body;
  EXPECT_EQ(str(parse(org.body), "role"), "owner");
  EXPECT_EQ(call("GET", records_path("docs", shared, shared_record), bob).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'org.member_updated' AND "
                  "payload->'data'->>'org_id' = $1",
                  shared),
            1);
  EXPECT_EQ(call("GET", records_path("notes", {}, bobs), bob).status, 200);
}

TEST_F(RecordsTest, AnOrganizationsRecordsGoWithIt) {
  const auto owner = sign_up("owner");
  const auto member = sign_up("member");
  const auto org = create_org(owner);
  join(org, owner, member, "member");
  const auto id = create_record(member, "docs", R"({"n":1})", org);
  auto pending = call("POST", "/api/v1/orgs/" + org + "/invitations", owner,
                      R"({"email":"later@example.com","role":"viewer"})");
  ASSERT_EQ(pending.status, 201);
  EXPECT_EQ(call("DELETE", "/api/v1/orgs/" + org, member).status, 403);
  ASSERT_EQ(call("DELETE", "/api/v1/orgs/" + org, owner).status, 204);
  EXPECT_EQ(call("GET", records_path("docs", org, id), member).status, 404);
  EXPECT_EQ(call("GET", records_path("docs", org), member).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM records WHERE org_id = $1::uuid", org), 0);
  EXPECT_EQ(count("SELECT count(*) FROM org_members WHERE org_id = $1::uuid", org), 0);
  EXPECT_EQ(count("SELECT count(*) FROM org_invitations WHERE org_id = $1::uuid", org), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE subject = 'org.deleted' AND "
                  "payload->'data'->>'org_id' = $1",
                  org),
            1);
}

} // namespace
} // namespace gh::test
