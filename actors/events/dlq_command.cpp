#include "actors/events/dlq_command.hpp"

#include "actors/events/dead_letters.hpp"
#include "actors/events/dlq_replay.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <nats/nats.h>

#include <charconv>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

namespace gh::events {

int dlq_command(const config::settings& s, int argc, char** argv) {
  const std::string_view action = argc > 2 ? argv[2] : "";
  const std::string_view target = argc > 3 ? argv[3] : "";
  if (action != "list" && !(action == "replay" && !target.empty())) {
    std::cerr << "gatehouse: usage: gatehouse dlq list | gatehouse dlq replay ID|all\n";
    return 2;
  }
  natsConnection* conn = nullptr;
  if (natsConnection_ConnectTo(&conn, s.nats_url.reveal().c_str()) != NATS_OK) {
    std::cerr << "gatehouse: cannot connect to NATS (NATS_URL)\n";
    return 1;
  }
  jsCtx* js = nullptr;
  int rc = 0;
  if (natsConnection_JetStream(&js, conn, nullptr) != NATS_OK) {
    std::cerr << "gatehouse: JetStream is not available\n";
    rc = 1;
  } else if (action == "list") {
    for (const auto& e : list_dead_letters(js, 100000)) {
      boost::json::object o{{"sequence", e.sequence}, {"subject", e.original_subject},
                            {"consumer", e.consumer}, {"deliveries", e.deliveries},
                            {"error", e.error},       {"body", e.body}};
      std::cout << boost::json::serialize(o) << "\n";
    }
  } else {
    std::optional<uint64_t> one;
    bool usable = true;
    if (target != "all") {
      uint64_t seq = 0;
      const auto [end, ec] = std::from_chars(target.data(), target.data() + target.size(), seq);
      if (ec != std::errc{} || end != target.data() + target.size() || seq == 0) {
        std::cerr
            << "gatehouse: a dead letter ID is a positive number (see `gatehouse dlq list`)\n";
        rc = 2;
        usable = false;
      } else {
        one = seq;
      }
    }
    if (usable) {
      const auto report = replay_dead_letters(js, one, 100000);
      for (auto seq : report.replayed)
        std::cout << "replayed " << seq << "\n";
      for (auto seq : report.not_found)
        std::cerr << "gatehouse: no dead letter " << seq << "\n";
      for (auto seq : report.failed)
        std::cerr << "gatehouse: cannot replay dead letter " << seq << "\n";
      if (!report.not_found.empty() || !report.failed.empty())
        rc = 1;
    }
  }
  if (js != nullptr)
    jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
  return rc;
}

} // namespace gh::events
