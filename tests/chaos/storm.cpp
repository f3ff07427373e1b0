#include "tests/chaos/storm.hpp"

#include "tests/chaos/ledger.hpp"
#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"
#include "tests/support/smtp_sink.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace gh::chaos {

namespace {

namespace json = boost::json;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* webhook_secret = "whsec_chaos_storm";
constexpr const char* password = "correct horse battery staple";

/// One Gatehouse process of the storm on a fixed port, killed and started again.
class gatehouse_slot {
public:
  gatehouse_slot(std::string name, std::map<std::string, std::string> env)
      : name_(std::move(name)), port_(test::free_port()), env_(std::move(env)) {
    env_["GATEHOUSE_LISTEN"] = "127.0.0.1:" + std::to_string(port_);
    env_["GATEHOUSE_INSTANCE_ID"] = name_;
  }

  const std::string& name() const noexcept { return name_; }
  uint16_t port() const noexcept { return port_; }

  void start() {
    auto p = std::make_unique<test::gatehouse_process>(env_);
    std::lock_guard lock{mutex_};
    process_ = std::move(p);
  }

  void kill() {
    std::unique_ptr<test::gatehouse_process> p;
    {
      std::lock_guard lock{mutex_};
      p.swap(process_);
    }
    if (p) {
      p->process().signal(SIGKILL);
      p->process().wait_exit(10s);
    }
  }

private:
  std::string name_;
  uint16_t port_;
  std::map<std::string, std::string> env_;
  std::mutex mutex_;
  std::unique_ptr<test::gatehouse_process> process_;
};

/// The clients' side of the storm: what they sent and what they were told.
class clients {
public:
  clients(const storm_options& options, std::vector<uint16_t> ports, test::fake_stripe& stripe,
          std::vector<std::string> payers, steady::time_point deadline)
      : options_(options), ports_(std::move(ports)), stripe_(stripe), payers_(std::move(payers)),
        deadline_(deadline), give_up_(deadline + 90s) {}

  /// Runs `in_flight` client threads until the deadline (an operation under way finishes).
  void run(storm_record& record) {
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(options_.in_flight));
    for (int i = 0; i < options_.in_flight; ++i)
      threads.emplace_back([this, i, &record] { client(i, record); });
    for (auto& t : threads)
      t.join();
  }

private:
  void client(int index, storm_record& record) {
    std::mt19937_64 rng{options_.seed * 1000 + static_cast<uint64_t>(index)};
    std::vector<sent_registration> registrations;
    std::vector<sent_webhook> webhooks;
    std::vector<std::string> anomalies;
    for (int n = 0; steady::now() < deadline_; ++n) {
      const auto tag = std::to_string(index) + "-" + std::to_string(n);
      if (rng() % 2 == 0)
        registrations.push_back(register_one("chaos-" + tag + "@example.com", rng, anomalies));
      else
        webhooks.push_back(deliver_one(tag, rng, anomalies));
    }
    std::lock_guard lock{mutex_};
    record.registrations.insert(record.registrations.end(), registrations.begin(),
                                registrations.end());
    record.webhooks.insert(record.webhooks.end(), webhooks.begin(), webhooks.end());
    record.anomalies.insert(record.anomalies.end(), anomalies.begin(), anomalies.end());
  }

  /// A status or transport failure to try again after: 5xx, 429, a refused or cut connection.
  static bool retryable(int status) { return status == 0 || status == 429 || status >= 500; }

  static void pause(std::mt19937_64& rng) {
    std::this_thread::sleep_for(std::chrono::milliseconds{100 + rng() % 300});
  }

  static test::http_reply call(uint16_t port, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers) {
    try {
      return test::http_call(port, "POST", target, body, headers);
    } catch (const std::exception&) {
      return {}; // refused (the process is down) or cut (it was killed): status 0
    }
  }

  sent_registration register_one(const std::string& email, std::mt19937_64& rng,
                                 std::vector<std::string>& anomalies) {
    sent_registration r{email};
    bool outcome_unknown = false;
    const auto body = R"({"email":")" + email + R"(","password":")" + password + R"("})";
    while (steady::now() < give_up_) {
      ++r.attempts;
      const auto reply = call(ports_[rng() % ports_.size()], "/api/v1/auth/register", body,
                              {{"Content-Type", "application/json"}});
      if (reply.status == 201) {
        r.acked = true;
        return r;
      }
      if (reply.status == 409 && outcome_unknown) {
        r.acked = r.by_conflict = true; // an earlier attempt was stored; its answer was lost
        return r;
      }
      if (!retryable(reply.status)) {
        anomalies.push_back("registration " + email + " answered " + std::to_string(reply.status) +
                            ": " + reply.body.substr(0, 200));
        return r;
      }
      outcome_unknown = true; // a 5xx after a handler timeout may still have committed
      pause(rng);
    }
    return r;
  }

  sent_webhook deliver_one(const std::string& tag, std::mt19937_64& rng,
                           std::vector<std::string>& anomalies) {
    sent_webhook w{"evt_chaos" + std::to_string(options_.seed) + "_" + tag,
                   "sub_chaos" + std::to_string(options_.seed) + "_" + tag};
    std::replace(w.event_id.begin(), w.event_id.end(), '-', '_');
    std::replace(w.subscription_id.begin(), w.subscription_id.end(), '-', '_');
    const auto payer = rng() % payers_.size();
    const auto now = test::unix_now();
    json::object subscription{
        {"id", w.subscription_id},
        {"object", "subscription"},
        {"customer", "cus_chaos" + std::to_string(payer)},
        {"status", "active"},
        {"metadata", json::object{{"user_id", payers_[payer]}}},
        {"items", json::object{{"object", "list"},
                               {"data", json::array{json::object{
                                            {"id", "si_" + w.subscription_id.substr(4)},
                                            {"price", json::object{{"id", "price_chaos"}}}}}}}},
        {"current_period_end", now + int64_t{30} * 86400},
        {"cancel_at_period_end", false},
        {"created", now}};
    // Stripe's own copy, should a same-second tie make a worker ask for it.
    stripe_.put_object(subscription);
    const auto body =
        json::serialize(json::object{{"id", w.event_id},
                                     {"object", "event"},
                                     {"api_version", "2024-06-20"},
                                     {"created", now},
                                     {"type", "customer.subscription.updated"},
                                     {"livemode", false},
                                     {"pending_webhooks", 1},
                                     {"data", json::object{{"object", subscription}}}});
    while (steady::now() < give_up_) {
      ++w.attempts;
      // Each delivery is signed anew, as Stripe does.
      const auto reply =
          call(ports_[rng() % ports_.size()], "/webhooks/stripe", body,
               {{"Content-Type", "application/json; charset=utf-8"},
                {"Stripe-Signature",
                 test::stripe_signature_header(webhook_secret, test::unix_now(), body)}});
      if (reply.status == 200) {
        w.acked = true;
        w.duplicate_answer = reply.body.find(R"("duplicate":true)") != std::string::npos;
        return w;
      }
      if (!retryable(reply.status)) {
        anomalies.push_back("webhook " + w.event_id + " answered " + std::to_string(reply.status) +
                            ": " + reply.body.substr(0, 200));
        return w;
      }
      pause(rng);
    }
    return w;
  }

  const storm_options& options_;
  std::vector<uint16_t> ports_;
  test::fake_stripe& stripe_;
  std::vector<std::string> payers_;
  steady::time_point deadline_;
  steady::time_point give_up_;
  std::mutex mutex_;
};

/// Registers a payer (the user the storm's Stripe events belong to) before the storm; its id.
std::string register_payer(uint16_t port, int n, storm_record& record) {
  const auto email = "chaos-payer-" + std::to_string(n) + "@example.com";
  const auto reply =
      test::http_call(port, "POST", "/api/v1/auth/register",
                      R"({"email":")" + email + R"(","password":")" + password + R"("})",
                      {{"Content-Type", "application/json"}});
  if (reply.status != 201)
    throw std::runtime_error("the payer could not register: " + std::to_string(reply.status));
  record.registrations.push_back({email, true, false, 1});
  return std::string{json::parse(reply.body).at("user").at("id").as_string()};
}

/// The `.eml` files under `dirs` as mail copies (recipient from `To:`, time of the file).
std::vector<mail_copy> eml_files(const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  std::vector<mail_copy> out;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".eml")
        continue;
      std::ifstream in{it->path()};
      std::string line;
      bool found = false;
      while (!found && std::getline(in, line))
        found = line.starts_with("To: <");
      const auto close = line.find('>');
      if (!found)
        continue;
      if (close == std::string::npos)
        continue;
      const auto written = fs::last_write_time(it->path(), ec);
      out.push_back({line.substr(5, close - 5), std::chrono::file_clock::to_sys(written)});
    }
  }
  return out;
}

} // namespace

storm_report run_storm(const storm_options& options) {
  storm_report report;
  storm_record record;
  std::mt19937_64 rng{options.seed};
  test::service_set services;
  test::fake_stripe stripe;
  std::unique_ptr<test::smtp_sink> sink;
  if (options.smtp)
    sink = std::make_unique<test::smtp_sink>();
  char tmpl[] = "/tmp/gh-chaos-XXXXXX";
  const std::string data{::mkdtemp(tmpl)};

  std::map<std::string, std::string> env{{"DATABASE_URL", services.database_url()},
                                         {"REDIS_URL", services.redis_url()},
                                         {"NATS_URL", services.nats_url()},
                                         {"SMTP_URL", sink ? sink->url() : std::string{}},
                                         {"STRIPE_SECRET_KEY", stripe.secret_key()},
                                         {"STRIPE_API_BASE", stripe.base_url()},
                                         {"STRIPE_WEBHOOK_SECRET", webhook_secret},
                                         {"GATEHOUSE_REGISTER_RATE", "1000000"},
                                         {"LOG_LEVEL", "warn"}};
  std::vector<std::unique_ptr<gatehouse_slot>> slots;
  std::vector<std::string> mail_dirs;
  for (const auto* name : {"gatehouse-a", "gatehouse-b"}) {
    auto slot_env = env;
    slot_env["GATEHOUSE_DATA_DIR"] = data + "/" + name;
    mail_dirs.push_back(data + "/" + name + "/outbox-mail");
    slots.push_back(std::make_unique<gatehouse_slot>(name, slot_env));
    slots.back()->start();
  }
  std::vector<std::string> payers;
  payers.reserve(4);
  for (int i = 0; i < 4; ++i)
    payers.push_back(register_payer(slots[static_cast<std::size_t>(i) % 2]->port(), i, record));

  const auto started = steady::now();
  const auto deadline = started + options.duration;
  auto since_start = [&] { return std::chrono::duration<double>(steady::now() - started).count(); };

  // The faults: every gap_min..gap_max one of PostgreSQL, Redis, NATS and a Gatehouse (each
  // kind once per round, in a seeded order) is SIGKILLed and, 0.5-3 s later, started again.
  std::thread faults{[&] {
    const std::vector<std::string> kinds{"postgres", "redis", "nats", "gatehouse"};
    std::vector<std::string> round;
    auto gap = [&] {
      const auto span = (options.gap_max - options.gap_min).count() * 1000;
      return options.gap_min + std::chrono::milliseconds{span > 0 ? rng() % span : 0};
    };
    for (auto next = started + gap(); options.faults && next < deadline; next += gap()) {
      std::this_thread::sleep_until(next);
      if (round.empty()) {
        round = kinds;
        std::shuffle(round.begin(), round.end(), rng);
      }
      auto kind = round.back();
      round.pop_back();
      const auto down = std::chrono::milliseconds{500 + rng() % 2500};
      fault f{kind, since_start(), 0};
      if (kind == "gatehouse") {
        auto& slot = *slots[rng() % slots.size()];
        f.target = slot.name();
        const auto before = std::chrono::system_clock::now();
        slot.kill();
        record.crashes.emplace_back(before, std::chrono::system_clock::now());
        std::this_thread::sleep_for(down);
        slot.start();
      } else {
        const auto s = kind == "postgres" ? test::service_set::service::postgres
                       : kind == "redis"  ? test::service_set::service::redis
                                          : test::service_set::service::nats;
        const auto before = std::chrono::system_clock::now();
        services.kill(s);
        if (kind == "postgres")
          record.crashes.emplace_back(before, std::chrono::system_clock::now());
        std::this_thread::sleep_for(down);
        services.start(s);
      }
      f.down = since_start() - f.at;
      report.faults.push_back(f);
      if (steady::now() > next)
        next = steady::now();
    }
  }};

  std::vector<uint16_t> ports;
  ports.reserve(slots.size());
  for (const auto& s : slots)
    ports.push_back(s->port());
  clients{options, ports, stripe, payers, deadline}.run(record);
  faults.join();
  report.seconds = since_start();

  sources from{
      services.database_url(), services.nats_url(), {}, sink ? "SMTP sink" : ".eml writer"};
  if (sink)
    from.mails = [&] {
      std::vector<mail_copy> out;
      for (const auto& m : sink->messages())
        for (const auto& to : m.recipients)
          out.push_back({to, m.accepted});
      return out;
    };
  else
    from.mails = [&] { return eml_files(mail_dirs); };
  const auto drain_start = steady::now();
  while (!settled(record, from) && steady::now() - drain_start < options.drain)
    std::this_thread::sleep_for(2s);
  // A little longer, so a late second copy would show.
  std::this_thread::sleep_for(3s);
  report.drain_seconds = std::chrono::duration<double>(steady::now() - drain_start).count() - 3;
  tally(record, from, report);
  double registered = 0;
  double delivered = 0;
  for (const auto& r : record.registrations)
    registered += r.acked ? 1 : 0;
  for (const auto& w : record.webhooks)
    delivered += w.acked ? 1 : 0;
  report.rows.push_back({"load",
                         "registrations acknowledged per second",
                         static_cast<std::size_t>(registered / report.seconds),
                         {}});
  report.rows.push_back({"load",
                         "webhooks acknowledged per second",
                         static_cast<std::size_t>(delivered / report.seconds),
                         {}});
  for (auto& s : slots)
    s->kill();
  std::error_code ec;
  std::filesystem::remove_all(data, ec);
  return report;
}

std::string storm_report::table() const {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  out << "Faults (" << faults.size() << " in " << seconds << " s; drained " << drain_seconds
      << " s after):";
  for (const auto& f : faults)
    out << " " << f.target << " @" << f.at << "s (" << f.down << " s down)";
  out << "\n\n| flow | stage | count | note |\n|---|---|---:|---|\n";
  for (const auto& r : rows)
    out << "| " << r.flow << " | " << r.stage << " | " << r.count << " | " << r.note << " |\n";
  out << "\n" << (failures.empty() ? "No loss, no double application." : "FAILURES:") << "\n";
  for (const auto& f : failures)
    out << "- " << f << "\n";
  return out.str();
}

} // namespace gh::chaos
