#include "tests/chaos/ledger.hpp"

#include "tests/support/nats_client.hpp"

#include <boost/json/parse.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace gh::chaos {

namespace {

pqxx::result query(const std::string& url, const std::string& sql) {
  pqxx::connection conn{url};
  return pqxx::nontransaction{conn}.exec(sql);
}

long scalar(const std::string& url, const std::string& sql) {
  return query(url, sql)[0][0].as<long>();
}

/// How many times each `Nats-Msg-Id` is stored in `streams`.
std::map<std::string, int> stored_ids(test::nats_client& nats,
                                      std::initializer_list<const char*> streams) {
  std::map<std::string, int> ids;
  for (const auto* stream : streams)
    for (const auto& m : nats.messages(stream))
      if (auto it = m.headers.find("Nats-Msg-Id"); it != m.headers.end())
        ++ids[it->second];
  return ids;
}

/// An outbox row as the tally reads it.
struct outbox_row {
  std::string id;
  std::string subject;
  std::string key; ///< user id, idempotency key, Stripe event id or subscription id
  bool published = false;
};

/// Counts of one stage and the failures it found.
class stage_counter {
public:
  stage_counter(storm_report& report, std::string flow) : report_(report), flow_(std::move(flow)) {}

  void row(std::string stage, std::size_t count, std::string note = {}) {
    report_.rows.push_back({flow_, std::move(stage), count, std::move(note)});
  }
  void fail(const std::string& what, std::size_t count, const std::string& example) {
    if (count == 0)
      return;
    std::ostringstream out;
    out << flow_ << ": " << count << " " << what << " (for example " << example << ")";
    report_.failures.push_back(out.str());
  }

private:
  storm_report& report_;
  std::string flow_;
};

/// The keys of `wanted` that `have` lacks: how many, and one of them.
template <class Set, class Lookup>
std::pair<std::size_t, std::string> missing(const Set& wanted, const Lookup& have) {
  std::size_t n = 0;
  std::string example;
  for (const auto& k : wanted)
    if (!have.contains(k)) {
      ++n;
      if (example.empty())
        example = k;
    }
  return {n, example};
}

/// Mails sent more than once that no crash explains: a copy is explained when PostgreSQL or a
/// Gatehouse was killed within two seconds after the copy before it was accepted.
std::pair<std::size_t, std::size_t>
duplicate_mails(const std::map<std::string, std::vector<wall_time>>& copies,
                const std::vector<std::pair<wall_time, wall_time>>& crashes, std::string& example) {
  std::size_t explained = 0;
  std::size_t unexplained = 0;
  for (const auto& [recipient, times] : copies) {
    for (std::size_t i = 1; i < times.size(); ++i) {
      const auto first = times[i - 1];
      // The mail's transaction may have begun before the crash and sent after it: PostgreSQL
      // killed under an open transaction is noticed only at the commit.
      const bool crash = std::any_of(crashes.begin(), crashes.end(), [&](const auto& k) {
        return k.first <= first + std::chrono::seconds{2} &&
               k.second >= first - std::chrono::seconds{1};
      });
      if (crash) {
        ++explained;
        continue;
      }
      ++unexplained;
      if (!example.empty())
        continue;
      // Say how far the nearest crash was, and how far apart the copies were.
      double nearest = 1e9;
      for (const auto& k : crashes)
        nearest =
            std::min(nearest, std::abs(std::chrono::duration<double>(k.first - first).count()));
      std::ostringstream why;
      why << recipient << ": copies " << std::chrono::duration<double>(times[i] - first).count()
          << " s apart, nearest crash " << nearest << " s from the first";
      example = why.str();
    }
  }
  return {explained, unexplained};
}

} // namespace

bool settled(const storm_record& record, const sources& from) {
  (void)record;
  try {
    const auto& db = from.database_url;
    const auto users = scalar(db, "SELECT count(*) FROM users");
    if (scalar(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") != 0 ||
        scalar(db, "SELECT count(*) FROM processed_events WHERE consumer = 'welcome'") != users ||
        scalar(db, "SELECT count(*) FROM outbox WHERE subject = 'email.send'") != users ||
        scalar(db, "SELECT count(*) FROM processed_events WHERE consumer = 'email'") != users ||
        scalar(db, "SELECT count(*) FROM outbox WHERE subject LIKE 'stripe.webhook.%'") !=
            scalar(db, "SELECT count(*) FROM processed_events WHERE consumer = 'stripe'"))
      return false;
    std::set<std::string> mailed;
    for (const auto& m : from.mails())
      mailed.insert(m.recipient);
    return static_cast<long>(mailed.size()) >= users;
  } catch (const std::exception&) {
    return false; // PostgreSQL restarting
  }
}

void tally(const storm_record& record, const sources& from, storm_report& report) {
  const auto& db = from.database_url;
  std::vector<outbox_row> outbox;
  for (const auto& r : query(db, "SELECT id::text, subject, published_at IS NOT NULL, "
                                 "COALESCE(payload->'data'->>'user_id', "
                                 "payload->'data'->>'idempotency_key', "
                                 "payload->'data'->>'id', '') FROM outbox ORDER BY seq"))
    outbox.push_back(
        {r[0].as<std::string>(), r[1].as<std::string>(), r[3].as<std::string>(), r[2].as<bool>()});
  std::map<std::string, std::set<std::string>> processed; // consumer -> event ids
  for (const auto& r : query(db, "SELECT consumer, event_id::text FROM processed_events"))
    processed[r[0].as<std::string>()].insert(r[1].as<std::string>());
  test::nats_client nats{from.nats_url};
  const auto in_stream = stored_ids(nats, {"USERS", "EMAIL", "PAYMENTS"});

  // Rows of one subject by their key; published ones; ones in JetStream; applied ones.
  auto rows_of = [&](const std::string& subject) {
    std::multimap<std::string, const outbox_row*> out;
    for (const auto& r : outbox)
      if (r.subject == subject)
        out.emplace(r.key, &r);
    return out;
  };
  auto keys_of = [](const std::multimap<std::string, const outbox_row*>& rows) {
    std::set<std::string> keys;
    for (const auto& [k, r] : rows)
      keys.insert(k);
    return keys;
  };
  auto twice = [](const std::multimap<std::string, const outbox_row*>& rows, std::string& example) {
    std::size_t n = 0;
    for (auto it = rows.begin(); it != rows.end(); it = rows.upper_bound(it->first))
      if (rows.count(it->first) > 1) {
        ++n;
        example = it->first;
      }
    return n;
  };
  // Stage counts of published, in-JetStream and applied rows of `rows` for `consumer`.
  auto pipeline = [&](stage_counter& c, const std::multimap<std::string, const outbox_row*>& rows,
                      const std::string& consumer, const std::string& event) {
    std::size_t published = 0;
    std::size_t streamed = 0;
    std::size_t copies = 0;
    std::size_t applied = 0;
    std::string unpublished;
    std::string unstreamed;
    std::string unapplied;
    for (const auto& [k, r] : rows) {
      published += r->published ? 1 : 0;
      if (!r->published)
        unpublished = k;
      const auto s = in_stream.find(r->id);
      if (s != in_stream.end()) {
        ++streamed;
        copies += static_cast<std::size_t>(s->second - 1);
      } else {
        unstreamed = k;
      }
      if (!consumer.empty()) {
        if (processed[consumer].contains(r->id))
          ++applied;
        else
          unapplied = k;
      }
    }
    c.row(event + " published (outbox row marked)", published);
    c.fail(event + " rows never marked published", rows.size() - published, unpublished);
    c.row(event + " in JetStream", streamed,
          copies == 0 ? std::string{}
                      : std::to_string(copies) + " stored again by JetStream after its "
                                                 "duplicate window, skipped by the consumer");
    c.fail(event + " rows missing from JetStream", rows.size() - streamed, unstreamed);
    if (!consumer.empty()) {
      c.row(event + " applied by `" + consumer + "` (processed_events)", applied);
      c.fail(event + " rows never applied by " + consumer, rows.size() - applied, unapplied);
    }
  };

  // The rows of `subject`: one per key of `wanted` (none missing, none twice), then published,
  // in JetStream and applied by `consumer`.
  auto rows_through = [&](stage_counter& c, const std::set<std::string>& wanted,
                          const std::string& subject, const std::string& consumer,
                          const std::string& keys) {
    const auto rows = rows_of(subject);
    std::string ex;
    c.row(subject + " rows", rows.size());
    const auto [absent, absent_example] = missing(wanted, keys_of(rows));
    c.fail(keys + " without a " + subject + " row", absent, absent_example);
    c.fail(keys + " with two " + subject + " rows", twice(rows, ex), ex);
    pipeline(c, rows, consumer, subject);
  };

  // Registrations: acknowledged -> users row -> user.created -> welcome -> email.send -> mail.
  {
    stage_counter c{report, "registration"};
    std::set<std::string> acked;
    std::set<std::string> attempted;
    std::size_t by_conflict = 0;
    for (const auto& r : record.registrations) {
      attempted.insert(r.email);
      if (r.acked)
        acked.insert(r.email);
      by_conflict += r.by_conflict ? 1 : 0;
    }
    std::map<std::string, std::string> users; // email -> id
    for (const auto& r : query(db, "SELECT email, id::text FROM users"))
      users.emplace(r[0].as<std::string>(), r[1].as<std::string>());
    c.row("sent by the clients", attempted.size());
    c.row("acknowledged (201)", acked.size(),
          by_conflict == 0
              ? std::string{}
              : std::to_string(by_conflict) + " of them as 409 on a retry after a lost answer");
    c.row("stored (users rows)", users.size(),
          users.size() > acked.size() ? std::to_string(users.size() - acked.size()) +
                                            " committed though their client never saw the answer"
                                      : std::string{});
    const auto [lost, lost_example] = missing(acked, users);
    c.fail("acknowledged registrations not stored", lost, lost_example);
    std::set<std::string> user_ids;
    for (const auto& [email, id] : users) {
      user_ids.insert(id);
      if (!attempted.contains(email))
        c.fail("users stored that no client sent", 1, email);
    }
    rows_through(c, user_ids, "user.created", "welcome", "users");

    std::set<std::string> welcome_keys;
    for (const auto& id : user_ids)
      welcome_keys.insert("welcome:" + id);
    rows_through(c, welcome_keys, "email.send", "email", "welcome keys");

    const auto sent = scalar(db, "SELECT count(*) FROM email_deliveries WHERE status = 'sent'");
    c.row("email_deliveries sent", static_cast<std::size_t>(sent));
    std::map<std::string, std::vector<wall_time>> copies;
    std::size_t total = 0;
    for (const auto& m : from.mails()) {
      copies[m.recipient].push_back(m.at);
      ++total;
    }
    for (auto& [recipient, times] : copies)
      std::sort(times.begin(), times.end());
    std::set<std::string> emails;
    for (const auto& [email, id] : users)
      emails.insert(email);
    std::string dup_example;
    const auto [explained, unexplained] = duplicate_mails(copies, record.crashes, dup_example);
    c.row("mailed (" + from.mail_path + ", distinct recipients)", copies.size(),
          std::to_string(total) + " copies");
    c.row("mailed again after a crash between acceptance and commit", explained,
          "email is at least once (README, Events in detail)");
    const auto [unmailed, unmailed_example] = missing(emails, copies);
    c.fail("stored users never mailed", unmailed, unmailed_example);
    c.fail("mails sent twice with no crash to explain it", unexplained, dup_example);
    for (const auto& [recipient, times] : copies)
      if (!emails.contains(recipient))
        c.fail("mails to addresses of no stored user", 1, recipient);
  }

  // Webhooks: acknowledged -> outbox row -> PAYMENTS -> stripe worker -> subscription row and
  // one subscription.updated.
  {
    stage_counter c{report, "stripe webhook"};
    std::set<std::string> acked;
    std::set<std::string> attempted;
    std::set<std::string> acked_subscriptions;
    std::size_t duplicate_answers = 0;
    for (const auto& w : record.webhooks) {
      attempted.insert(w.event_id);
      if (w.acked) {
        acked.insert(w.event_id);
        acked_subscriptions.insert(w.subscription_id);
      }
      duplicate_answers += w.duplicate_answer ? 1 : 0;
    }
    c.row("sent by the clients (distinct events)", attempted.size());
    c.row("acknowledged (200)", acked.size(),
          duplicate_answers == 0
              ? std::string{}
              : std::to_string(duplicate_answers) + " of them answered `duplicate` on a retry");
    rows_through(c, acked, "stripe.webhook.customer.subscription.updated", "stripe",
                 "acknowledged webhooks");
    std::string ex;

    std::map<std::string, std::string> subscriptions; // Stripe id -> our id
    for (const auto& r : query(db, "SELECT stripe_subscription_id, id::text FROM subscriptions"))
      subscriptions.emplace(r[0].as<std::string>(), r[1].as<std::string>());
    c.row("applied (subscriptions rows)", subscriptions.size());
    const auto [unapplied, unapplied_example] = missing(acked_subscriptions, subscriptions);
    c.fail("acknowledged webhooks whose subscription is missing", unapplied, unapplied_example);
    const auto updates = rows_of("subscription.updated");
    std::map<std::string, int> per_subscription;
    for (const auto& r : query(db, "SELECT payload->'data'->>'subscription_id' FROM outbox "
                                   "WHERE subject = 'subscription.updated'"))
      ++per_subscription[r[0].as<std::string>()];
    std::size_t doubled = 0;
    for (const auto& [stripe_id, id] : subscriptions)
      if (per_subscription[id] > 1) {
        ++doubled;
        ex = stripe_id;
      }
    c.row("subscription.updated rows", updates.size());
    c.fail("subscriptions announced twice (a webhook applied twice)", doubled, ex);
    std::size_t unannounced = 0;
    for (const auto& [stripe_id, id] : subscriptions)
      if (per_subscription[id] == 0) {
        ++unannounced;
        ex = stripe_id;
      }
    c.fail("subscriptions never announced", unannounced, ex);
    pipeline(c, updates, {}, "subscription.updated");
  }
  for (const auto& a : record.anomalies)
    report.failures.push_back("client: " + a);
}

} // namespace gh::chaos
