#include "providers/telegram/host_process.hpp"

#include "config/log.hpp"
#include "messages/json.hpp"
#include "providers/telegram/host_protocol.hpp"

#include <boost/json/serialize.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

namespace gh::telegram {

namespace {

using steady = std::chrono::steady_clock;

/// The decimal number in `text`, if it is one.
template <class T>
std::optional<T> number_of(std::string_view text) {
  T value{};
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty())
    return std::nullopt;
  return value;
}

} // namespace

/// Reads lines from the host's socket with a bound on each line's size.
class line_buffer {
public:
  /// The next complete line, if one is buffered; over-long lines are dropped and counted.
  std::optional<std::string> take(std::atomic<uint64_t>& dropped) {
    while (true) {
      const auto nl = buffer_.find('\n', scanned_);
      if (nl == std::string::npos) {
        scanned_ = buffer_.size();
        if (buffer_.size() > host_max_reply_line) {
          dropping_ = true;
          buffer_.clear();
          scanned_ = 0;
        }
        return std::nullopt;
      }
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      scanned_ = 0;
      if (dropping_) {
        dropping_ = false;
        dropped.fetch_add(1);
        continue;
      }
      return line;
    }
  }

  /// Reads what `fd` has; false at end of input or on an error.
  bool fill(int fd) {
    char chunk[65536];
    const auto n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      return true;
    if (n <= 0)
      return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  void clear() {
    buffer_.clear();
    scanned_ = 0;
    dropping_ = false;
  }

private:
  std::string buffer_;
  std::size_t scanned_ = 0;
  bool dropping_ = false;
};

namespace {

/// Waits up to `ms` for `fd` to be readable; false on timeout.
bool readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, ms);
  return n > 0;
}

} // namespace

bool td_result::is_error() const {
  const auto* type = value.if_contains("@type");
  return type != nullptr && type->is_string() && type->as_string() == "error";
}

host_process::host_process(host_options options) : options_(std::move(options)) {}

host_process::~host_process() {
  stop();
}

void host_process::start() {
  if (thread_.joinable())
    return;
  thread_ = std::thread{[this] { supervise(); }};
}

bool host_process::wait_ready(std::chrono::milliseconds limit) {
  std::unique_lock lock{mutex_};
  changed_.wait_for(lock, limit, [this] { return first_start_done_; });
  return ready_.load();
}

void host_process::stop() {
  if (stopping_.exchange(true))
    return;
  {
    std::lock_guard lock{mutex_};
    changed_.notify_all();
  }
  if (const int fd = fd_.load(); fd >= 0)
    ::shutdown(fd, SHUT_WR);
  if (thread_.joinable())
    thread_.join();
}

std::string host_process::problem() const {
  std::lock_guard lock{mutex_};
  return problem_;
}

void host_process::set_problem(std::string why) {
  std::lock_guard lock{mutex_};
  problem_ = std::move(why);
}

void host_process::supervise() {
  bool ever_ready = false;
  auto delay = options_.restart_delay;
  line_buffer in;
  while (!stopping_.load()) {
    in.clear();
    const bool up = spawn(in);
    {
      std::lock_guard lock{mutex_};
      first_start_done_ = true;
      changed_.notify_all();
    }
    if (up) {
      ever_ready = true;
      delay = options_.restart_delay;
      read_until_exit(in);
      lose_everything();
    } else if (!ever_ready) {
      // A library that cannot be loaded or speaks another version will not get better by
      // itself; commands say why (`problem()`).
      log::error("telegram host unusable", {{"reason", problem()}});
      return;
    }
    if (stopping_.load())
      return;
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, delay, [this] { return stopping_.load(); });
    delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds{10});
  }
}

bool host_process::spawn(line_buffer& in) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    set_problem("cannot create the host's socket");
    return false;
  }
  std::string exe = options_.host_path;
  std::string lib = options_.tdlib_path;
  char* argv[] = {exe.data(), lib.data(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    set_problem("cannot start the TDLib host");
    return false;
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::dup2(sv[1], STDIN_FILENO);
    ::dup2(sv[1], STDOUT_FILENO);
    // The gateway's sockets and files stay the gateway's.
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  ::close(sv[1]);
  fd_.store(sv[0]);
  pid_.store(pid);
  generation_.fetch_add(1);

  // The hello: `H <getOption version>`, or `F <reason>`.
  const auto deadline = steady::now() + options_.start_timeout;
  std::optional<std::string> hello;
  while (!hello && steady::now() < deadline && !stopping_.load()) {
    if (!readable(sv[0], 50))
      continue;
    if (!in.fill(sv[0]))
      break;
    hello = in.take(dropped_);
  }
  std::string why;
  if (!hello) {
    why = "the TDLib host did not start (" + options_.host_path + ")";
  } else if (hello->starts_with("F ")) {
    why = hello->substr(2);
  } else if (!hello->starts_with("H ")) {
    why = "the TDLib host said something unexpected at start";
  } else {
    auto parsed = parse_untrusted_json(std::string_view{*hello}.substr(2));
    const auto* v = std::get_if<boost::json::value>(&parsed);
    const auto* o = v != nullptr ? v->if_object() : nullptr;
    const auto* value = o != nullptr ? o->if_contains("value") : nullptr;
    const std::string version =
        value != nullptr && value->is_string() ? std::string{value->as_string()} : "unknown";
    if (version != options_.expected_version)
      why = "TDLIB_PATH holds TDLib " + version + "; Gatehouse speaks TDLib " +
            options_.expected_version;
  }
  if (!why.empty()) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(sv[0]);
    fd_.store(-1);
    pid_.store(0);
    set_problem(why);
    return false;
  }
  set_problem({});
  ready_.store(true);
  log::info("telegram host ready", {{"pid", static_cast<int64_t>(pid)},
                                    {"generation", static_cast<int64_t>(generation_.load())}});
  return true;
}

void host_process::read_until_exit(line_buffer& in) {
  const int fd = fd_.load();
  // Lines that came with the hello first.
  while (auto line = in.take(dropped_))
    handle_line(*line);
  std::optional<steady::time_point> stop_deadline;
  while (true) {
    if (stopping_.load() && !stop_deadline)
      stop_deadline = steady::now() + std::chrono::seconds{2};
    if (stop_deadline && steady::now() > *stop_deadline)
      ::kill(pid_.load(), SIGKILL);
    if (readable(fd, 50)) {
      if (!in.fill(fd))
        break;
      while (auto line = in.take(dropped_))
        handle_line(*line);
    }
    expire(steady::now());
  }
  ready_.store(false);
  const pid_t pid = pid_.exchange(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  {
    std::lock_guard lock{write_mutex_};
    fd_.store(-1);
    ::close(fd);
  }
  if (!stopping_.load())
    log::warn("telegram host exited; starting it again",
              {{"status", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)}});
}

void host_process::handle_line(std::string_view line) {
  if (line.starts_with("N ")) {
    const auto rest = line.substr(2);
    const auto space = rest.find(' ');
    const auto tag = number_of<uint64_t>(rest.substr(0, space));
    const auto id =
        space == std::string_view::npos ? std::nullopt : number_of<int>(rest.substr(space + 1));
    if (!tag || !id) {
      dropped_.fetch_add(1);
      return;
    }
    std::function<void(std::optional<int>)> created;
    {
      std::lock_guard lock{mutex_};
      auto it = pending_.find(*tag);
      if (it == pending_.end() || !it->second.created)
        return; // timed out already: the client stays unused until the host restarts
      created = std::move(it->second.created);
      clients_[*id] = std::move(it->second.listener);
      pending_.erase(it);
    }
    created(*id);
    return;
  }
  if (!line.starts_with("U ")) {
    dropped_.fetch_add(1);
    return;
  }
  auto parsed = parse_untrusted_json(line.substr(2), {host_max_reply_line, 64});
  auto* v = std::get_if<boost::json::value>(&parsed);
  if (v == nullptr || !v->is_object()) {
    dropped_.fetch_add(1);
    return;
  }
  auto& o = v->as_object();
  std::optional<uint64_t> extra;
  if (const auto* e = o.if_contains("@extra"); e != nullptr && e->is_string())
    extra = number_of<uint64_t>(e->as_string());
  std::optional<int> client;
  if (const auto* c = o.if_contains("@client_id"); c != nullptr && c->is_int64())
    client = static_cast<int>(c->as_int64());
  if (extra) {
    std::function<void(td_result)> done;
    {
      std::lock_guard lock{mutex_};
      if (auto it = pending_.find(*extra); it != pending_.end() && it->second.done) {
        done = std::move(it->second.done);
        pending_.erase(it);
      }
    }
    if (done) {
      done(td_result{td_result::outcome::answered, std::move(o)});
      return;
    }
    return; // the answer came after its deadline
  }
  if (!client) {
    dropped_.fetch_add(1);
    return;
  }
  std::function<void(boost::json::object)> on_update;
  {
    std::lock_guard lock{mutex_};
    if (auto it = clients_.find(*client); it != clients_.end())
      on_update = it->second.on_update;
  }
  if (on_update)
    on_update(std::move(o));
}

void host_process::expire(steady::time_point now) {
  std::vector<pending> late;
  {
    std::lock_guard lock{mutex_};
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline <= now) {
        late.push_back(std::move(it->second));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& p : late) {
    if (p.done)
      p.done(td_result{td_result::outcome::timeout, {}});
    else if (p.created)
      p.created(std::nullopt);
  }
}

void host_process::lose_everything() {
  std::map<uint64_t, pending> waiting;
  std::unordered_map<int, client_listener> clients;
  {
    std::lock_guard lock{mutex_};
    waiting.swap(pending_);
    clients.swap(clients_);
  }
  for (auto& [_, p] : waiting) {
    if (p.done)
      p.done(td_result{td_result::outcome::host_lost, {}});
    else if (p.created)
      p.created(std::nullopt);
  }
  for (auto& [_, listener] : clients)
    if (listener.on_lost)
      listener.on_lost();
}

bool host_process::write_line(const std::string& line) {
  std::lock_guard lock{write_mutex_};
  const int fd = fd_.load();
  if (fd < 0)
    return false;
  std::size_t done = 0;
  while (done < line.size()) {
    const auto n = ::send(fd, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void host_process::create_client(client_listener listener, std::chrono::milliseconds timeout,
                                 std::function<void(std::optional<int>)> done) {
  if (!ready_.load()) {
    done(std::nullopt);
    return;
  }
  uint64_t tag = 0;
  {
    std::lock_guard lock{mutex_};
    if (pending_.size() >= options_.max_pending) {
      done(std::nullopt);
      return;
    }
    tag = ++next_extra_;
    pending_.emplace(tag,
                     pending{steady::now() + timeout, {}, std::move(done), std::move(listener)});
  }
  write_line("N " + std::to_string(tag) + "\n");
}

void host_process::request(int client, boost::json::object req, std::chrono::milliseconds timeout,
                           std::function<void(td_result)> done) {
  if (!ready_.load()) {
    done(td_result{td_result::outcome::host_unavailable, {}});
    return;
  }
  uint64_t extra = 0;
  {
    std::lock_guard lock{mutex_};
    if (pending_.size() >= options_.max_pending) {
      done(td_result{td_result::outcome::host_unavailable, {}});
      return;
    }
    extra = ++next_extra_;
    pending_.emplace(extra, pending{steady::now() + timeout, std::move(done), {}, {}});
  }
  req["@extra"] = std::to_string(extra);
  req["@client_id"] = client;
  // A failed write is noticed by the reader (end of input), which fails the request.
  write_line("S " + std::to_string(client) + " " + boost::json::serialize(req) + "\n");
}

void host_process::send(int client, boost::json::object req) {
  if (!ready_.load())
    return;
  req["@client_id"] = client;
  write_line("S " + std::to_string(client) + " " + boost::json::serialize(req) + "\n");
}

void host_process::forget(int client) {
  std::lock_guard lock{mutex_};
  clients_.erase(client);
}

} // namespace gh::telegram
