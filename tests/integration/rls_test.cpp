// Row-level security at the database itself (API.md "Records"): Gatehouse's query role,
// gatehouse_tenant, straight against PostgreSQL with hand-written SQL and no Gatehouse code in
// between. Without app.user_id it sees no rows; as user A it sees none of B's; an organization's
// viewer cannot write even by hand; a committed transaction leaves nothing behind on its
// connection.
#include "crypto/crypto.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <chrono>
#include <string>

namespace gh::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* tenant = "00000000-0000-0000-0000-000000000001";

/// The tables whose rows belong to users and organizations.
constexpr const char* tenant_tables[] = {"records", "organizations", "org_members",
                                         "org_invitations"};

class RlsTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    // The schema as Gatehouse makes it: its own migrations, applied by its own binary.
    child_process migrate{{required_env("GATEHOUSE_BIN"), "migrate"}, {}};
    ASSERT_EQ(migrate.wait_exit(60s), 0) << migrate.stderr_text();
  }

  void SetUp() override {
    // Seeded as the superuser (which bypasses RLS): users A, B and C; A's and B's personal
    // records; organization O with A as owner and B as viewer, and one record of O's.
    a_ = crypto::random_uuid();
    b_ = crypto::random_uuid();
    c_ = crypto::random_uuid();
    org_ = crypto::random_uuid();
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::work tx{conn};
    for (const auto& [id, name] : {std::pair{a_, "a"}, std::pair{b_, "b"}, std::pair{c_, "c"}})
      tx.exec_params("INSERT INTO users (id, tenant_id, email, password_hash) VALUES "
                     "($1::uuid, $2::uuid, $3, 'x')",
                     id, tenant, std::string{name} + "-" + id + "@example.com");
    tx.exec_params("INSERT INTO records (id, tenant_id, owner_id, collection, data) VALUES "
                   "(gen_random_uuid(), $1::uuid, $2::uuid, 'notes', '{\"who\":\"a\"}'), "
                   "(gen_random_uuid(), $1::uuid, $3::uuid, 'notes', '{\"who\":\"b\"}'), "
                   "(gen_random_uuid(), $1::uuid, $3::uuid, 'notes', '{\"who\":\"b\"}')",
                   tenant, a_, b_);
    tx.exec_params("INSERT INTO organizations (id, tenant_id, name, created_by) "
                   "VALUES ($1::uuid, $2::uuid, 'O', $3::uuid)",
                   org_, tenant, a_);
    tx.exec_params("INSERT INTO org_members (org_id, user_id, role) VALUES "
                   "($1::uuid, $2::uuid, 'owner'), ($1::uuid, $3::uuid, 'viewer')",
                   org_, a_, b_);
    tx.exec_params("INSERT INTO records (id, tenant_id, org_id, collection, data) VALUES "
                   "(gen_random_uuid(), $1::uuid, $2::uuid, 'docs', '{\"shared\":true}')",
                   tenant, org_);
    tx.commit();
  }

  void TearDown() override {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::work tx{conn};
    tx.exec_params("DELETE FROM organizations WHERE id = $1::uuid", org_);
    tx.exec_params("DELETE FROM users WHERE id IN ($1::uuid, $2::uuid, $3::uuid)", a_, b_, c_);
    tx.commit();
  }

  /// A connection that has become the query role for the whole session, as a process holding
  /// only its privileges would be; `user`, `org` set when not empty (tenant with the user).
  struct as_tenant_role {
    pqxx::connection conn{required_env("DATABASE_URL")};
    pqxx::nontransaction tx{conn};

    as_tenant_role(const std::string& user, const std::string& org) {
      tx.exec0("SET ROLE gatehouse_tenant");
      if (!user.empty()) {
        tx.exec_params("SELECT set_config('app.user_id', $1, false), "
                       "set_config('app.tenant_id', $2, false)",
                       user, tenant);
      }
      if (!org.empty())
        tx.exec_params("SELECT set_config('app.org_id', $1, false)", org);
    }

    int64_t count(const std::string& sql) { return tx.exec1(sql)[0].as<int64_t>(); }
    int64_t affected(const std::string& sql) { return tx.exec0(sql).affected_rows(); }
    /// The SQLSTATE `sql` fails with, or empty when it succeeds.
    std::string refusal(const std::string& sql) {
      try {
        tx.exec0(sql); // autocommit: a failed statement leaves the session usable
        return {};
      } catch (const pqxx::insufficient_privilege&) {
        // libpqxx 6.4 leaves sqlstate() empty on its typed exceptions: the type names it.
        return "42501";
      } catch (const pqxx::check_violation&) {
        return "23514";
      } catch (const pqxx::sql_error& e) {
        return e.sqlstate().empty() ? std::string{"error: "} + e.what() : e.sqlstate();
      }
    }
  };

  std::string a_, b_, c_, org_;
};

TEST_F(RlsTest, TheQueryRoleIsSubjectToForcedRowLevelSecurity) {
  pqxx::connection conn{required_env("DATABASE_URL")};
  pqxx::nontransaction tx{conn};
  auto role = tx.exec1("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles "
                       "WHERE rolname = 'gatehouse_tenant'");
  EXPECT_FALSE(role[0].as<bool>());
  EXPECT_FALSE(role[1].as<bool>());
  EXPECT_FALSE(role[2].as<bool>());
  for (const auto* table : tenant_tables) {
    auto r = tx.exec_params1("SELECT relrowsecurity, relforcerowsecurity, "
                             "pg_get_userbyid(relowner) <> 'gatehouse_tenant' FROM pg_class "
                             "WHERE oid = $1::regclass",
                             table);
    EXPECT_TRUE(r[0].as<bool>()) << table;
    EXPECT_TRUE(r[1].as<bool>()) << table;
    EXPECT_TRUE(r[2].as<bool>()) << table << " must not be owned by the query role";
  }
  as_tenant_role s{{}, {}};
  EXPECT_EQ(s.tx.exec1("SELECT current_user")[0].as<std::string>(), "gatehouse_tenant");
  // It can neither turn security off for itself nor reach other roles' tables.
  EXPECT_EQ(s.refusal("ALTER TABLE records NO FORCE ROW LEVEL SECURITY"), "42501");
  EXPECT_EQ(s.refusal("SELECT count(*) FROM users"), "42501");
  EXPECT_EQ(s.refusal("SELECT count(*) FROM refresh_tokens"), "42501");
}

TEST_F(RlsTest, WithoutAUserIdNoRowExists) {
  as_tenant_role s{{}, {}};
  for (const auto* table : tenant_tables)
    EXPECT_EQ(s.count(std::string{"SELECT count(*) FROM "} + table), 0) << table;
  // Naming the organization or the tenant alone changes nothing.
  s.tx.exec_params("SELECT set_config('app.org_id', $1, false), "
                   "set_config('app.tenant_id', $2, false)",
                   org_, tenant);
  for (const auto* table : tenant_tables)
    EXPECT_EQ(s.count(std::string{"SELECT count(*) FROM "} + table), 0) << table;
  EXPECT_EQ(s.affected("UPDATE records SET data = '{}'"), 0);
  EXPECT_EQ(s.affected("DELETE FROM records"), 0);
  EXPECT_EQ(s.refusal("INSERT INTO records (id, tenant_id, owner_id, collection, data) VALUES "
                      "(gen_random_uuid(), '" +
                      std::string{tenant} + "', '" + a_ + "', 'notes', '{}')"),
            "42501");
}

TEST_F(RlsTest, UserASeesNoneOfUserBsRows) {
  as_tenant_role s{a_, {}};
  EXPECT_EQ(s.count("SELECT count(*) FROM records"), 1);
  EXPECT_EQ(s.count("SELECT count(*) FROM records WHERE data->>'who' = 'a'"), 1);
  EXPECT_EQ(s.count("SELECT count(*) FROM records WHERE owner_id = '" + b_ + "'"), 0);
  EXPECT_EQ(s.count("SELECT count(*) FROM records WHERE data->>'who' = 'b'"), 0);
  EXPECT_EQ(
      s.affected("UPDATE records SET data = '{\"who\":\"mallory\"}' WHERE owner_id = '" + b_ + "'"),
      0);
  EXPECT_EQ(s.affected("DELETE FROM records WHERE owner_id = '" + b_ + "'"), 0);
  // Nor can A write a row as B, or move one of its own to B.
  EXPECT_EQ(s.refusal("INSERT INTO records (id, tenant_id, owner_id, collection, data) VALUES "
                      "(gen_random_uuid(), '" +
                      std::string{tenant} + "', '" + b_ + "', 'notes', '{}')"),
            "42501");
  EXPECT_EQ(s.refusal("UPDATE records SET owner_id = '" + b_ + "'"), "42501");
  // The organization's records need the organization named as well.
  EXPECT_EQ(s.count("SELECT count(*) FROM records WHERE org_id IS NOT NULL"), 0);

  // B, for its part, sees its two and none of A's.
  as_tenant_role b{b_, {}};
  EXPECT_EQ(b.count("SELECT count(*) FROM records"), 2);
  EXPECT_EQ(b.count("SELECT count(*) FROM records WHERE owner_id = '" + a_ + "'"), 0);

  // C, a member of nothing, sees no organization, membership or record of one even by name.
  as_tenant_role c{c_, org_};
  EXPECT_EQ(c.count("SELECT count(*) FROM records"), 0);
  EXPECT_EQ(c.count("SELECT count(*) FROM organizations"), 0);
  EXPECT_EQ(c.count("SELECT count(*) FROM org_members"), 0);
  EXPECT_EQ(c.refusal("INSERT INTO org_members (org_id, user_id, role) VALUES ('" + org_ + "', '" +
                      c_ + "', 'owner')"),
            "42501");
}

TEST_F(RlsTest, AnOrganizationsViewerCannotWriteEvenByHand) {
  as_tenant_role viewer{b_, org_};
  // It reads the organization's records...
  EXPECT_EQ(viewer.count("SELECT count(*) FROM records WHERE org_id = '" + org_ + "'"), 1);
  // ...and writes none of them, nor new ones.
  EXPECT_EQ(viewer.refusal("INSERT INTO records (id, tenant_id, org_id, collection, data) VALUES "
                           "(gen_random_uuid(), '" +
                           std::string{tenant} + "', '" + org_ + "', 'docs', '{}')"),
            "42501");
  EXPECT_EQ(viewer.affected("UPDATE records SET data = '{\"shared\":false}' WHERE org_id = '" +
                            org_ + "'"),
            0);
  EXPECT_EQ(viewer.affected("DELETE FROM records WHERE org_id = '" + org_ + "'"), 0);
  // Nor does it promote itself, demote the owner, rename or delete the organization.
  EXPECT_EQ(viewer.affected("UPDATE org_members SET role = 'owner' WHERE user_id = '" + b_ + "'"),
            0);
  EXPECT_EQ(viewer.affected("UPDATE org_members SET role = 'viewer' WHERE user_id = '" + a_ + "'"),
            0);
  EXPECT_EQ(viewer.affected("DELETE FROM org_members WHERE user_id = '" + a_ + "'"), 0);
  EXPECT_EQ(viewer.affected("UPDATE organizations SET name = 'mine'"), 0);
  EXPECT_EQ(viewer.affected("DELETE FROM organizations"), 0);
  EXPECT_EQ(viewer.refusal("INSERT INTO org_invitations (id, org_id, tenant_id, email, role, "
                           "token_hash, invited_by, expires_at) VALUES (gen_random_uuid(), '" +
                           org_ + "', '" + tenant +
                           "', 'x@example.com', 'owner', repeat('0', 64), '" + b_ +
                           "', now() + interval '1 day')"),
            "42501");

  pqxx::connection conn{required_env("DATABASE_URL")};
  pqxx::nontransaction check{conn};
  EXPECT_EQ(
      check.exec_params1("SELECT data->>'shared' FROM records WHERE org_id = $1::uuid", org_)[0]
          .as<std::string>(),
      "true");
  EXPECT_EQ(check
                .exec_params1("SELECT role FROM org_members WHERE org_id = $1::uuid AND "
                              "user_id = $2::uuid",
                              org_, b_)[0]
                .as<std::string>(),
            "viewer");

  // The owner, in the same organization, writes.
  as_tenant_role owner{a_, org_};
  EXPECT_EQ(owner.affected("UPDATE records SET data = '{\"shared\":\"yes\"}' WHERE org_id = '" +
                           org_ + "'"),
            1);
  // Even the owner cannot leave the organization without an owner.
  EXPECT_EQ(owner.refusal("UPDATE org_members SET role = 'admin' WHERE user_id = '" + a_ + "'"),
            "23514");
}

TEST_F(RlsTest, ATransactionOfGatehouseLeavesNothingOnItsConnection) {
  pqxx::connection conn{required_env("DATABASE_URL")};
  const auto superuser =
      pqxx::nontransaction{conn}.exec1("SELECT current_user")[0].as<std::string>();
  {
    pqxx::work tx{conn};
    // What tenancy::enter runs first in each tenant transaction.
    tx.exec_params("SELECT set_config('role', 'gatehouse_tenant', true), "
                   "set_config('app.user_id', $1, true), set_config('app.tenant_id', $2, true), "
                   "set_config('app.org_id', $3, true)",
                   a_, tenant, "");
    EXPECT_EQ(tx.exec1("SELECT current_user")[0].as<std::string>(), "gatehouse_tenant");
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM records")[0].as<int64_t>(), 1);
    tx.commit();
  }
  pqxx::nontransaction after{conn};
  EXPECT_EQ(after.exec1("SELECT current_user")[0].as<std::string>(), superuser);
  EXPECT_EQ(
      after.exec1("SELECT COALESCE(current_setting('app.user_id', true), '')")[0].as<std::string>(),
      "");
  // As the role again, now with nothing set: nothing.
  after.exec0("SET ROLE gatehouse_tenant");
  EXPECT_EQ(after.exec1("SELECT count(*) FROM records")[0].as<int64_t>(), 0);
}

TEST_F(RlsTest, FiltersCanUseTheGinIndex) {
  // Containment alone (as the superuser, without the policies' own conditions, which a small
  // table answers from other indexes): the GIN index serves `@>`.
  pqxx::connection conn{required_env("DATABASE_URL")};
  pqxx::nontransaction tx{conn};
  tx.exec0("SET enable_seqscan = off");
  std::string plan;
  for (const auto& row :
       tx.exec("EXPLAIN SELECT id FROM records WHERE data @> '{\"who\":\"a\"}'::jsonb"))
    plan += row[0].as<std::string>() + "\n";
  EXPECT_NE(plan.find("records_data"), std::string::npos) << plan;
  as_tenant_role s{a_, {}};
  EXPECT_EQ(s.count("SELECT count(*) FROM records WHERE data @> '{\"who\":\"a\"}'::jsonb"), 1);
  EXPECT_EQ(s.count("SELECT count(*) FROM records WHERE data @> '{\"who\":\"b\"}'::jsonb"), 0);
}

} // namespace
} // namespace gh::test
