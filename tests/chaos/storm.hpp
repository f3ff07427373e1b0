#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

/// A fault storm against two real Gatehouse processes on one PostgreSQL, Redis and NATS of the
/// storm's own: registrations and signed Stripe webhooks in flight while the storm SIGKILLs and
/// restarts PostgreSQL, Redis, nats-server and a Gatehouse, then a count of every flow.
namespace gh::chaos {

/// How a storm runs.
struct storm_options {
  std::chrono::seconds duration{60}; ///< How long the load and the faults last.
  uint64_t seed = 19;                ///< Chooses the operations, the faults and their timing.
  bool smtp = true;   ///< Mail through the SMTP sink; false: the `.eml` writer (no SMTP_URL).
  int in_flight = 16; ///< Client threads, each with one request in flight.
  bool faults = true; ///< false: the same load with no fault (a calm reference).
  std::chrono::seconds gap_min{10}; ///< Least time between two faults.
  std::chrono::seconds gap_max{20}; ///< Most time between two faults.
  std::chrono::seconds drain{240};  ///< How long the pipeline may take to settle afterwards.
};

/// One fault the storm caused.
struct fault {
  std::string target; ///< `postgres`, `redis`, `nats`, `gatehouse-a`, `gatehouse-b`
  double at = 0;      ///< Seconds since the storm started, when it was killed.
  double down = 0;    ///< Seconds until it was started again (and answered).
};

/// One row of the storm's table: a flow and its counts at each stage.
struct flow_row {
  std::string flow;
  std::string stage;
  std::size_t count = 0;
  std::string note;
};

/// What a storm did and found.
struct storm_report {
  std::vector<fault> faults;
  std::vector<flow_row> rows;
  /// Every loss, double application or unexplained difference; empty when the pipeline held.
  std::vector<std::string> failures;
  double seconds = 0;       ///< Load and faults.
  double drain_seconds = 0; ///< Until every flow had settled.

  /// The report as Markdown: the faults, then one table of every flow's counts.
  std::string table() const;
};

/// Runs one storm with real processes (`$GATEHOUSE_BIN`, `deploy/local/services.sh`).
storm_report run_storm(const storm_options& options);

} // namespace gh::chaos
