// What live Telegram sessions cost, on the fake libtdjson.so (tests/support/fake_tdjson.cpp) in
// the real gatehouse-tdhost: N users sign in through their `telegram_session` actors (the
// registry, the state machine, the host's socket, as Gatehouse runs them; the console and the
// WebSocket are left out), then the RSS and threads of this process and of the host are read,
// and the round trip of commands is timed one at a time: `/tg status` (the actor only),
// `/tg history 1001 5` (getChat, then getChatHistory) and `/tg chats 5` (getChats, then five
// getChat at once). The reference of the same run is a bare `getChat` through the host without
// an actor.
//
//   telegram_sessions N TDHOST FAKE_LIBTDJSON
//
// Prints `key=value` lines.
#include "actors/registry.hpp"
#include "actors/telegram/telegram_session.hpp"
#include "messages/type_ids.hpp"
#include "providers/telegram/host_protocol.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
namespace json = boost::json;

/// A reply that fulfils a promise with `ok` or the problem.
class promised_reply final : public gh::command_reply {
public:
  explicit promised_reply(std::promise<std::string>& p) : promise_(p) {}
  void result(std::string json, gh::command_headers) override { settle("ok " + json); }
  void problem(std::string problem_json) override { settle("problem " + problem_json); }

private:
  void settle(std::string s) {
    if (!done_) {
      done_ = true;
      promise_.set_value(std::move(s));
    }
  }
  std::promise<std::string>& promise_;
  bool done_ = false;
};

std::string run(const caf::actor& registry, const std::string& user, const std::string& name,
                json::object args) {
  std::promise<std::string> p;
  auto answer = p.get_future();
  auto reply = std::make_shared<promised_reply>(p);
  caf::anon_send(registry, gh::forward_atom_v,
                 gh::user_key{std::string{gh::telegram::session_kind}, user, {}},
                 caf::make_message(gh::telegram::tg_command{name, std::move(args), reply}));
  reply.reset();
  if (answer.wait_for(30s) != std::future_status::ready)
    return "timeout";
  return answer.get();
}

long status_field(int pid, const char* field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  const std::string prefix = std::string{field} + ":";
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0)
      return std::stol(line.substr(prefix.size()));
  return 0;
}

struct timing {
  double median_us = 0;
  double p99_us = 0;
};

template <class F>
timing time_each(int n, F f) {
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    const auto start = steady::now();
    f(i);
    us.push_back(std::chrono::duration<double, std::micro>(steady::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

void print(const char* name, timing t) {
  std::printf("%s_median_us=%.0f %s_p99_us=%.0f\n", name, t.median_us, name, t.p99_us);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: telegram_sessions N TDHOST FAKE_LIBTDJSON\n");
    return 2;
  }
  const int n = std::stoi(argv[1]);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};

  gh::telegram::host_options h;
  h.host_path = argv[2];
  h.tdlib_path = argv[3];
  h.expected_version = std::string{gh::telegram::tdlib_version};
  gh::telegram::host_process host{h};
  host.start();
  if (!host.wait_ready(20s)) {
    std::fprintf(stderr, "host not ready: %s\n", host.problem().c_str());
    return 1;
  }
  const auto base = std::filesystem::temp_directory_path() / "gh-bench-telegram";
  gh::telegram::session_dirs dirs{base.string()};
  std::string problem;
  if (!dirs.prepare(problem)) {
    std::fprintf(stderr, "%s\n", problem.c_str());
    return 1;
  }
  gh::user_sinks sinks;
  gh::telegram::session_options o;
  o.host = &host;
  o.dirs = &dirs;
  o.sinks = &sinks;
  o.client = {12345, "0123456789abcdef0123456789abcdef", "Gatehouse bench"};
  o.max_sessions = static_cast<unsigned>(n);
  o.command_rate = 1000000;
  gh::registry_options r;
  r.kinds.emplace(std::string{gh::telegram::session_kind}, gh::telegram::telegram_session_kind(o));
  auto registry = gh::spawn_registry(sys, std::move(r));

  const long rss_before = status_field(::getpid(), "VmRSS");
  const long host_rss_before = status_field(host.pid(), "VmRSS");
  const auto login_start = steady::now();
  for (int i = 0; i < n; ++i) {
    const auto user = "user-" + std::to_string(i);
    const auto phone = "+1555" + std::to_string(1000000 + i) + "1";
    auto a = run(registry, user, "tg.login", {{"phone", phone}});
    auto b = run(registry, user, "tg.code", {{"code", "12345"}});
    if (b.find("ready") == std::string::npos) {
      std::fprintf(stderr, "user %d: %s / %s\n", i, a.c_str(), b.c_str());
      return 1;
    }
  }
  const double login_ms =
      std::chrono::duration<double, std::milli>(steady::now() - login_start).count();
  std::this_thread::sleep_for(500ms);
  std::printf("sessions=%d\n", n);
  std::printf("login_ms_each=%.2f\n", login_ms / n);
  std::printf("gatehouse_rss_kb_per_session=%.1f\n",
              static_cast<double>(status_field(::getpid(), "VmRSS") - rss_before) / n);
  std::printf("host_rss_kb_per_session=%.1f\n",
              static_cast<double>(status_field(host.pid(), "VmRSS") - host_rss_before) / n);
  std::printf("gatehouse_threads=%ld host_threads=%ld\n", status_field(::getpid(), "Threads"),
              status_field(host.pid(), "Threads"));

  const int rounds = 500;
  auto user = [n](int i) { return "user-" + std::to_string(i % n); };
  print("status", time_each(rounds, [&](int i) { run(registry, user(i), "tg.status", {}); }));
  print("history", time_each(rounds, [&](int i) {
          run(registry, user(i), "tg.history", {{"chat", "1001"}, {"n", 5}});
        }));
  print("chats", time_each(rounds, [&](int i) { run(registry, user(i), "tg.chats", {{"n", 5}}); }));
  // The reference: one TDLib request through the host, no actor.
  print("bare_host_request", time_each(rounds, [&](int) {
          std::promise<void> done;
          host.request(1, {{"@type", "getChat"}, {"chat_id", 1001}}, 10s,
                       [&](gh::telegram::td_result) { done.set_value(); });
          done.get_future().wait();
        }));

  for (int i = 0; i < n; ++i)
    run(registry, "user-" + std::to_string(i), "tg.logout", {});
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  registry = nullptr;
  sys.await_all_actors_done();
  host.stop();
  dirs.wipe_all();
  std::filesystem::remove_all(base);
  return 0;
}
