#pragma once

#include "tests/chaos/storm.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

/// The storm's bookkeeping: what its clients sent and were told, and the count of every flow at
/// every stage afterwards (acknowledged, stored, published, mailed, applied).
namespace gh::chaos {

using wall_time = std::chrono::system_clock::time_point;

/// One registration a client tried, perhaps several times.
struct sent_registration {
  std::string email;
  bool acked = false;       ///< 201, or 409 after an attempt whose outcome the client never saw
  bool by_conflict = false; ///< acknowledged by that 409
  int attempts = 0;
};

/// One Stripe event a client delivered, again until it was answered 200 (as Stripe does).
struct sent_webhook {
  std::string event_id;
  std::string subscription_id;
  bool acked = false;
  bool duplicate_answer = false; ///< 200 `"duplicate": true`: an earlier attempt was queued
  int attempts = 0;
};

/// One copy of a mail as the receiving side saw it.
struct mail_copy {
  std::string recipient;
  wall_time at;
};

/// Everything the storm's clients and fault injector recorded.
struct storm_record {
  std::vector<sent_registration> registrations;
  std::vector<sent_webhook> webhooks;
  /// When PostgreSQL or a Gatehouse was killed (from just before the kill command to just after
  /// it returned): a mail accepted around then may be sent again (email is at least once:
  /// acceptance, then the commit).
  std::vector<std::pair<wall_time, wall_time>> crashes;
  /// Answers no client should ever get (a 409 on a first attempt, a 400 to a signed event).
  std::vector<std::string> anomalies;
};

/// Where the counts come from.
struct sources {
  std::string database_url;
  std::string nats_url;
  std::function<std::vector<mail_copy>()> mails; ///< The SMTP sink's or the `.eml` files'
  std::string mail_path;                         ///< "SMTP sink" or ".eml writer"
};

/// True once the pipeline has nothing left in flight: every outbox row published, every
/// consumer caught up with its rows, every stored user mailed.
bool settled(const storm_record& record, const sources& from);

/// Counts every flow at every stage into `report.rows` and adds each loss, double application or
/// unexplained difference to `report.failures`.
void tally(const storm_record& record, const sources& from, storm_report& report);

} // namespace gh::chaos
