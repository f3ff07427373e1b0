#pragma once

#include <boost/json/object.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace gh::telegram {

class line_buffer;

/// How the TDLib host is run.
struct host_options {
  std::string host_path;  ///< the `gatehouse-tdhost` executable
  std::string tdlib_path; ///< `TDLIB_PATH`, handed to the host
  /// The version `getOption version` must report (`tdlib_version`).
  std::string expected_version;
  /// Time the host has to load the library and say hello.
  std::chrono::milliseconds start_timeout{10000};
  /// Pause before a host that died is started again.
  std::chrono::milliseconds restart_delay{500};
  /// Requests waiting for an answer at once; more fail at once.
  std::size_t max_pending = 100000;
};

/// How a request ended: TDLib's answer (an `error` object is an answer too), or why none came.
struct td_result {
  enum class outcome { answered, timeout, host_lost, host_unavailable };
  outcome how = outcome::answered;
  boost::json::object value; ///< TDLib's answer when `answered`

  bool answered() const noexcept { return how == outcome::answered; }
  /// True when TDLib answered with `{"@type": "error"}`.
  bool is_error() const;
};

/// What one TDLib client hears apart from the answers to its requests. Both are called on the
/// host's reader thread and must not block.
struct client_listener {
  std::function<void(boost::json::object update)> on_update;
  /// The host died: the client is gone; no more calls follow.
  std::function<void()> on_lost;
};

/// The TDLib host as seen from Gatehouse: spawns `gatehouse-tdhost` on a socket pair, writes
/// requests, reads every line on a thread of its own (the only reader; TDLib's `td_receive` runs
/// in the host), matches answers to requests by `@extra` with a deadline per request, routes
/// updates to their client's listener by `@client_id`, and starts the host again when it dies
/// (each client's listener hears `on_lost`). Thread-safe.
class host_process {
public:
  explicit host_process(host_options options);
  ~host_process();

  host_process(const host_process&) = delete;
  host_process& operator=(const host_process&) = delete;

  /// Starts the supervising thread, which starts the host and waits for its hello. Returns at once.
  void start();

  /// Waits until the first start succeeded or failed (or `limit` passed); true when ready.
  bool wait_ready(std::chrono::milliseconds limit);

  /// Stops the host (end of input, then SIGKILL after 2 s) and the thread. Idempotent.
  void stop();

  /// True while a host is running and its version checked.
  bool ready() const noexcept { return ready_.load(); }

  /// Why the host is not usable (empty while it is or while it starts).
  std::string problem() const;

  /// The running host's process id (0 when none).
  pid_t pid() const noexcept { return pid_.load(); }

  /// Hosts started so far (1 after the first start; more after restarts).
  uint64_t generation() const noexcept { return generation_.load(); }

  /// Lines from the host that were malformed or over the limit, dropped.
  uint64_t dropped_lines() const noexcept { return dropped_.load(); }

  /// Creates a TDLib client whose updates go to `listener`; `done` gets its id, or nothing when
  /// the host is not ready or did not answer within `timeout`.
  void create_client(client_listener listener, std::chrono::milliseconds timeout,
                     std::function<void(std::optional<int>)> done);

  /// Sends `request` to client `client` and calls `done` once with its answer or the reason none
  /// came within `timeout`. `@extra` and `@client_id` are set here.
  void request(int client, boost::json::object request, std::chrono::milliseconds timeout,
               std::function<void(td_result)> done);

  /// Sends `request` to client `client` without waiting for an answer.
  void send(int client, boost::json::object request);

  /// Stops routing client `client`'s updates (its listener is dropped).
  void forget(int client);

private:
  struct pending {
    std::chrono::steady_clock::time_point deadline;
    std::function<void(td_result)> done;             // a request
    std::function<void(std::optional<int>)> created; // a client creation
    client_listener listener;                        // for a creation
  };

  void supervise();
  bool spawn(line_buffer& in);
  void read_until_exit(line_buffer& in);
  void handle_line(std::string_view line);
  void expire(std::chrono::steady_clock::time_point now);
  void lose_everything();
  bool write_line(const std::string& line);
  void set_problem(std::string why);

  host_options options_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ready_{false};
  std::atomic<pid_t> pid_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<int> fd_{-1};

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool first_start_done_ = false;
  std::string problem_;
  uint64_t next_extra_ = 0;
  std::map<uint64_t, pending> pending_;
  std::unordered_map<int, client_listener> clients_;
  std::mutex write_mutex_;
};

} // namespace gh::telegram
