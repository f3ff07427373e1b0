#include "config/log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

namespace gh::log {

namespace {

std::atomic<config::log_level> min_level{config::log_level::info};
std::atomic<config::log_format> format{config::log_format::json};

std::string_view level_name(config::log_level level) {
  switch (level) {
  case config::log_level::debug:
    return "debug";
  case config::log_level::info:
    return "info";
  case config::log_level::warn:
    return "warn";
  case config::log_level::error:
    return "error";
  }
  return "info";
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  std::array<char, 32> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 8> frac{};
  std::snprintf(frac.data(), frac.size(), ".%03dZ", static_cast<int>(millis));
  return std::string{buf.data(), n} + frac.data();
}

/// `YYYY-MM-DDTHH:MM:SS` of the current second, formatted once per second per thread.
std::string_view second_stamp(std::chrono::system_clock::time_point now) {
  thread_local std::time_t cached = -1;
  thread_local std::array<char, 32> text{};
  thread_local std::size_t size = 0;
  const auto secs = std::chrono::system_clock::to_time_t(now);
  if (secs != cached) {
    std::tm utc{};
    gmtime_r(&secs, &utc);
    size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    cached = secs;
  }
  return {text.data(), size};
}

/// Appends `text` as the body of a JSON string: quotes, backslashes and control characters
/// escaped (other bytes as they are, as Boost.JSON's serializer leaves them).
void append_json_text(std::string& out, std::string_view text) {
  static constexpr std::string_view hex = "0123456789abcdef";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0f]);
    } else {
      out.push_back(ch);
    }
  }
}

/// A buffered stderr writer: lines are batched and flushed every 200 ms by a background thread,
/// so access logging costs no system call per request.
class sink {
public:
  sink() : flusher_([this](const std::stop_token& stop) { run(stop); }) {
    static std::array<char, 64 * 1024> buffer{};
    std::setvbuf(stderr, buffer.data(), _IOFBF, buffer.size());
  }

  ~sink() {
    flusher_.request_stop();
    cv_.notify_all();
    flusher_.join();
    std::fflush(stderr);
  }

  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  void put(const std::string& line, bool urgent) {
    std::lock_guard guard{mutex_};
    std::fwrite(line.data(), 1, line.size(), stderr);
    if (urgent)
      std::fflush(stderr);
  }

  void flush() {
    std::lock_guard guard{mutex_};
    std::fflush(stderr);
  }

private:
  void run(const std::stop_token& stop) {
    std::unique_lock lock{wait_mutex_};
    while (!stop.stop_requested()) {
      cv_.wait_for(lock, std::chrono::milliseconds{200});
      flush();
    }
  }

  std::mutex mutex_;
  std::mutex wait_mutex_;
  std::condition_variable cv_;
  std::jthread flusher_;
};

sink& the_sink() {
  static sink instance;
  return instance;
}

} // namespace

void configure(config::log_level level, config::log_format fmt) {
  min_level.store(level);
  format.store(fmt);
  (void)the_sink();
}

bool enabled(config::log_level level) noexcept {
  return level >= min_level.load(std::memory_order_relaxed);
}

void write(config::log_level level, std::string_view message, std::initializer_list<field> fields) {
  if (!enabled(level))
    return;
  std::string line;
  if (format.load(std::memory_order_relaxed) == config::log_format::json) {
    boost::json::object obj;
    obj["ts"] = timestamp();
    obj["level"] = level_name(level);
    obj["msg"] = message;
    for (const auto& f : fields)
      obj[f.key] = f.value;
    line = boost::json::serialize(obj);
  } else {
    line = timestamp() + " " + std::string{level_name(level)} + " " + std::string{message};
    for (const auto& f : fields) {
      line += " ";
      line += f.key;
      line += "=";
      line +=
          f.value.is_string() ? std::string{f.value.get_string()} : boost::json::serialize(f.value);
    }
  }
  line.push_back('\n');
  the_sink().put(line, level >= config::log_level::warn);
}

void access(std::string_view request_id, std::string_view method, std::string_view path, int status,
            double duration_ms, std::string_view remote, std::string_view upstream) {
  if (!enabled(config::log_level::info))
    return;
  if (format.load(std::memory_order_relaxed) != config::log_format::json) {
    if (upstream.empty())
      write(config::log_level::info, "http",
            {{"request_id", request_id},
             {"method", method},
             {"path", path},
             {"status", status},
             {"duration_ms", duration_ms},
             {"remote", remote}});
    else
      write(config::log_level::info, "http",
            {{"request_id", request_id},
             {"method", method},
             {"path", path},
             {"status", status},
             {"duration_ms", duration_ms},
             {"remote", remote},
             {"upstream", upstream}});
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  thread_local std::string line;
  line.clear();
  line.append(R"({"ts":")");
  line.append(second_stamp(now));
  std::array<char, 8> frac{'.', static_cast<char>('0' + millis / 100),
                           static_cast<char>('0' + millis / 10 % 10),
                           static_cast<char>('0' + millis % 10), 'Z'};
  line.append(frac.data(), 5);
  line.append(R"(","level":"info","msg":"http","request_id":")");
  append_json_text(line, request_id);
  line.append(R"(","method":")");
  append_json_text(line, method);
  line.append(R"(","path":")");
  append_json_text(line, path);
  line.append(R"(","status":)");
  std::array<char, 32> number{};
  auto* end = std::to_chars(number.data(), number.data() + number.size(), status).ptr;
  line.append(number.data(), end);
  line.append(R"(,"duration_ms":)");
  end = std::to_chars(number.data(), number.data() + number.size(), duration_ms,
                      std::chars_format::fixed, 3)
            .ptr;
  line.append(number.data(), end);
  line.append(R"(,"remote":")");
  append_json_text(line, remote);
  if (!upstream.empty()) {
    line.append(R"(","upstream":")");
    append_json_text(line, upstream);
  }
  line.append("\"}\n");
  the_sink().put(line, false);
}

void flush() {
  the_sink().flush();
}

} // namespace gh::log
