#include "actors/events/events_module.hpp"

#include "actors/events/dlq_replay.hpp"
#include "actors/events/email.hpp"
#include "actors/events/outbox_relay.hpp"
#include "actors/events/push.hpp"
#include "actors/events/schedules.hpp"
#include "actors/events/worker.hpp"
#include "config/log.hpp"
#include "messages/type_ids.hpp"
#include "persistence/jetstream/nats_bus.hpp"
#include "providers/smtp/mailer.hpp"

#include <caf/send.hpp>

#include <filesystem>

namespace gh::events {

namespace {

/// The pipeline's figures as Prometheus families.
void render(const event_stats& e, std::string& out) {
  out += "# HELP gatehouse_outbox_backlog Outbox rows not yet published (-1: not known yet).\n"
         "# TYPE gatehouse_outbox_backlog gauge\n"
         "gatehouse_outbox_backlog " +
         std::to_string(e.outbox_backlog.load()) + "\n";
  out += "# HELP gatehouse_events_published_total Events the relay published to JetStream.\n"
         "# TYPE gatehouse_events_published_total counter\n"
         "gatehouse_events_published_total " +
         std::to_string(e.published.load()) + "\n";
  out += "# HELP gatehouse_consumer_events_total Events each worker settled, by outcome.\n"
         "# TYPE gatehouse_consumer_events_total counter\n";
  for (const auto& c : e.consumers()) {
    const auto line = [&](const char* outcome, uint64_t n) {
      out += "gatehouse_consumer_events_total{consumer=\"" + c->name + "\",outcome=\"" + outcome +
             "\"} " + std::to_string(n) + "\n";
    };
    line("processed", c->processed.load());
    line("skipped", c->skipped.load());
    line("retried", c->retried.load());
    line("dead_lettered", c->dead_lettered.load());
  }
  out += "# HELP gatehouse_pushed_frames_total Event frames queued on users' WebSockets.\n"
         "# TYPE gatehouse_pushed_frames_total counter\n"
         "gatehouse_pushed_frames_total " +
         std::to_string(e.pushed_frames.load()) + "\n";
}

void start_pipeline(app& a) {
  const auto& s = a.settings;
  natsConnection* nc = a.bus->connection();
  a.own_background(spawn_outbox_relay(
      a.sys, {s.database_url, nc, &a.events, 1000, std::chrono::milliseconds{500},
              std::chrono::hours{24 * 7}, std::chrono::milliseconds{5000}}));
  // Workers subscribe once the bus has made the streams, so a first start logs no failure.
  worker_options w{s.database_url, nc, &a.events, std::chrono::milliseconds{500},
                   [bus = a.bus] { return bus->streams_ready(); }};
  for (const auto& c : a.consumers())
    a.own_background(spawn_worker(a.sys, w, c));
  for (const auto& schedule : a.schedules())
    a.own_background(spawn_schedule(a.sys, schedule));
  auto push = std::make_shared<user_push>(
      nc, a.sinks, &a.events, a.pushes(),
      [registry = a.registry](const user_key& key, const std::string& frame) {
        caf::anon_send(registry, forward_atom_v, key, caf::make_message(refresh_atom_v, frame));
      });
  if (!push->start())
    log::warn("cannot subscribe to user events; WebSockets get no pushed events");
  a.on_stop([push] { push->stop(); });
}

} // namespace

void install(app& a) {
  const auto& s = a.settings;
  // With no SMTP_URL, mail is written under the data dir.
  std::shared_ptr<smtp::mailer> mailer =
      s.smtp_url.empty()
          ? smtp::make_directory_mailer(std::filesystem::path{s.data_dir} / "outbox-mail")
          : smtp::make_smtp_mailer(s.smtp_url, std::chrono::seconds{20});
  a.keep(mailer);
  a.add_consumer(email_consumer({mailer.get(), s.email_from}));
  a.add_consumer(welcome_consumer());
  a.stats.add_collector([&e = a.events](std::string& out) { render(e, out); });
  a.on_start([&a] { start_pipeline(a); });
  // Any one instance answers: the DLQ stream is shared.
  a.add_ops_endpoint(
      {"dlq_replay", "gatehouse.ops.dlq.replay",
       [nc = a.bus->connection()](std::string_view body) { return dlq_replay_verb(nc, body); }});
}

} // namespace gh::events
