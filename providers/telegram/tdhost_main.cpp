// gatehouse-tdhost: the process TDLib runs in, apart from the gateway (its own OpenSSL, zlib and
// libstdc++ copies, and any abort of its own, stay here). It loads `libtdjson.so` at run time and
// relays TDLib's JSON interface over stdin/stdout, one line per message (host_protocol.hpp):
//
//   in:  N <tag>                 create a client; answered `N <tag> <client id>`
//        S <client id> <json>    td_send
//   out: H <json>                hello: `getOption version`, executed at start
//        F <reason>              fatal: the library could not be used; the host exits 2
//        N <tag> <client id>     a client was created
//        U <json>                one td_receive result (an update or an answer, with @client_id)
//
// Only the receive thread calls td_receive, and it copies each result before the next call. On
// end of input every client created is closed, and the host exits once they are (or after 3 s).
// It links nothing but the C and C++ runtimes and libdl.
#include "providers/telegram/host_protocol.hpp"

#include <dlfcn.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using create_fn = int (*)();
using send_fn = void (*)(int, const char*);
using receive_fn = const char* (*)(double);
using execute_fn = const char* (*)(const char*);

struct tdjson {
  create_fn create = nullptr;
  send_fn send = nullptr;
  receive_fn receive = nullptr;
  execute_fn execute = nullptr;
};

std::mutex out_mutex;

/// Writes `line` and a newline to stdout in one piece; a broken pipe ends the host.
void emit(std::string_view kind, std::string_view rest) {
  std::string line;
  line.reserve(kind.size() + rest.size() + 2);
  line.append(kind).append(" ").append(rest);
  // TDLib's JSON escapes control characters; a raw newline would split the frame, so none passes.
  for (auto& c : line)
    if (c == '\n' || c == '\r')
      c = ' ';
  line.push_back('\n');
  std::lock_guard lock{out_mutex};
  std::size_t done = 0;
  while (done < line.size()) {
    const auto n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n <= 0)
      std::_Exit(3);
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void fatal(const std::string& reason) {
  emit("F", reason);
  std::_Exit(2);
}

tdjson load(const char* path) {
  // RTLD_LOCAL: TDLib's own copies of OpenSSL and zlib stay its own; nothing else is loaded here.
  void* lib = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr)
    fatal(std::string{"cannot load the TDLib library: "} + ::dlerror());
  tdjson td;
  td.create = reinterpret_cast<create_fn>(::dlsym(lib, "td_create_client_id"));
  td.send = reinterpret_cast<send_fn>(::dlsym(lib, "td_send"));
  td.receive = reinterpret_cast<receive_fn>(::dlsym(lib, "td_receive"));
  td.execute = reinterpret_cast<execute_fn>(::dlsym(lib, "td_execute"));
  if (td.create == nullptr || td.send == nullptr || td.receive == nullptr || td.execute == nullptr)
    fatal("the library does not export td_create_client_id, td_send, td_receive and td_execute");
  return td;
}

/// Reads stdin line by line; a line longer than the limit is dropped whole.
class line_reader {
public:
  /// The next line without its newline; false at end of input.
  bool next(std::string& line) {
    while (true) {
      if (auto nl = buffer_.find('\n', scanned_); nl != std::string::npos) {
        const bool keep = !dropping_;
        line.assign(buffer_, 0, nl);
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        dropping_ = false;
        if (keep)
          return true;
        continue;
      }
      scanned_ = buffer_.size();
      if (buffer_.size() > gh::telegram::host_max_request_line) {
        dropping_ = true;
        buffer_.clear();
        scanned_ = 0;
      }
      char chunk[65536];
      const auto n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n <= 0)
        return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

private:
  std::string buffer_;
  std::size_t scanned_ = 0;
  bool dropping_ = false;
};

/// Parses a decimal int in `s` (optionally negative); false if it is not one.
bool parse_int(std::string_view s, int& out) {
  if (s.empty() || s.size() > 10)
    return false;
  long long v = 0;
  bool negative = false;
  std::size_t i = 0;
  if (s[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i == s.size())
    return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  out = static_cast<int>(negative ? -v : v);
  return true;
}

} // namespace

int main(int argc, char** argv) {
  // Ends with its parent: a gateway that died must not leave TDLib clients behind.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (argc != 2)
    fatal("usage: gatehouse-tdhost <path to libtdjson.so>");
  const auto td = load(argv[1]);

  // TDLib logs at verbosity 5 to stderr until told otherwise; 1 keeps errors only, and no message
  // text.
  td.execute(R"({"@type":"setLogVerbosityLevel","new_verbosity_level":1})");
  const char* version = td.execute(R"({"@type":"getOption","name":"version"})");
  if (version == nullptr)
    fatal("getOption version answered nothing");
  emit("H", version);

  std::atomic<bool> closing{false};
  std::atomic<int> open_clients{0};
  std::thread receiver{[&] {
    const auto deadline_after_close = std::chrono::seconds{3};
    std::chrono::steady_clock::time_point close_started{};
    while (true) {
      const char* result = td.receive(0.5);
      if (result != nullptr) {
        const std::string_view text{result};
        if (text.find("\"authorizationStateClosed\"") != std::string_view::npos)
          open_clients.fetch_sub(1);
        emit("U", text);
      }
      if (closing.load()) {
        if (close_started == std::chrono::steady_clock::time_point{})
          close_started = std::chrono::steady_clock::now();
        if (open_clients.load() <= 0 ||
            std::chrono::steady_clock::now() - close_started > deadline_after_close)
          return;
      }
    }
  }};

  std::vector<int> clients;
  line_reader in;
  std::string line;
  while (in.next(line)) {
    const std::string_view view{line};
    if (view.size() < 3 || view[1] != ' ')
      continue;
    const auto rest = view.substr(2);
    if (view[0] == 'N') {
      if (rest.empty() || rest.size() > 32)
        continue;
      const int id = td.create();
      clients.push_back(id);
      open_clients.fetch_add(1);
      emit("N", std::string{rest} + " " + std::to_string(id));
    } else if (view[0] == 'S') {
      const auto space = rest.find(' ');
      int id = 0;
      if (space == std::string_view::npos || !parse_int(rest.substr(0, space), id))
        continue;
      const std::string request{rest.substr(space + 1)};
      td.send(id, request.c_str());
    }
  }
  // End of input: the gateway stops or restarts us. Close every client so TDLib ends cleanly.
  for (const int id : clients)
    td.send(id, R"({"@type":"close"})");
  closing.store(true);
  receiver.join();
  std::fflush(stdout);
  std::_Exit(0);
}
