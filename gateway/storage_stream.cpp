#include "gateway/storage_stream.hpp"

#include "config/log.hpp"
#include "gateway/request_id.hpp"
#include "gateway/responses.hpp"
#include "messages/decode.hpp"
#include "messages/event_envelope.hpp"
#include "providers/storage/local.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <utility>
#include <vector>

namespace gh {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

storage_streams::storage_streams(std::shared_ptr<const storage::local_store> store,
                                 storage_stream_limits limits)
    : store_(std::move(store)), limits_(limits), disk_(limits.disk_threads) {}

storage_streams::~storage_streams() {
  stop();
}

void storage_streams::stop() {
  disk_.join();
}

storage_claim claims_storage(const beast::flat_buffer& buffer) noexcept {
  const std::string_view bytes{static_cast<const char*>(buffer.data().data()), buffer.size()};
  for (const std::string_view line : {"PUT /storage/", "GET /storage/", "HEAD /storage/"}) {
    if (bytes.starts_with(line))
      return storage_claim::yes;
    if (bytes.size() < line.size() && line.starts_with(bytes))
      return storage_claim::undecided;
  }
  return storage_claim::no;
}

range_request parse_range(std::string_view header, int64_t size) noexcept {
  range_request out;
  if (!header.starts_with("bytes="))
    return out;
  auto spec = header.substr(6);
  while (!spec.empty() && spec.front() == ' ')
    spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ')
    spec.remove_suffix(1);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos)
    return out;
  const auto first_text = spec.substr(0, dash);
  const auto last_text = spec.substr(dash + 1);
  const auto first = decode::parse_int(first_text, 18, false);
  const auto last = decode::parse_int(last_text, 18, false);
  if (first_text.empty()) {
    // A suffix: the last n bytes.
    if (!last)
      return out;
    if (*last == 0 || size == 0) {
      out.result = range_request::kind::unsatisfiable;
      return out;
    }
    out.result = range_request::kind::part;
    out.range = {std::max<int64_t>(0, size - *last), size - 1};
    return out;
  }
  if (!first || (!last_text.empty() && (!last || *last < *first)))
    return out;
  if (*first >= size) {
    out.result = range_request::kind::unsatisfiable;
    return out;
  }
  out.result = range_request::kind::part;
  out.range = {*first, last_text.empty() ? size - 1 : std::min(*last, size - 1)};
  return out;
}

namespace {

/// One storage request on a connection taken over from its session.
class storage_stream : public tracked_session, public std::enable_shared_from_this<storage_stream> {
public:
  storage_stream(http_session::socket_type&& socket, beast::flat_buffer&& buffer,
                 gateway_context& ctx, std::string remote_ip)
      : socket_(std::move(socket)), buffer_(std::move(buffer)), ctx_(ctx), streams_(*ctx.storage),
        remote_ip_(std::move(remote_ip)), timer_(socket_.get_executor()),
        request_id_(new_request_id()), started_(std::chrono::steady_clock::now()) {
    ctx_.stats->connections_open.fetch_add(1, std::memory_order_relaxed);
    counted_ =
        streams_.active.fetch_add(1, std::memory_order_relaxed) < streams_.limits().max_transfers;
  }

  ~storage_stream() override {
    if (fd_ >= 0)
      ::close(fd_);
    if (!temp_.empty()) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
    streams_.active.fetch_sub(1, std::memory_order_relaxed);
    ctx_.stats->connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (tracker_id_ != 0)
      ctx_.tracker.remove(tracker_id_);
  }

  storage_stream(const storage_stream&) = delete;
  storage_stream& operator=(const storage_stream&) = delete;

  void run() {
    tracker_id_ = ctx_.tracker.add(weak_from_this());
    parser_.header_limit(static_cast<std::uint32_t>(ctx_.limits.header_limit));
    // The token bounds the size; the body never passes through this parser.
    parser_.body_limit(boost::none);
    arm();
    http::async_read_header(
        socket_, buffer_, parser_,
        beast::bind_front_handler(&storage_stream::on_head, shared_from_this()));
  }

  // A transfer in flight finishes (each is closed when done); the grace period bounds it.
  void begin_shutdown() override {}

private:
  using strand = http_session::strand_type;

  /// Moves the stall deadline on; it fires only when no step completes in time.
  void arm() {
    timer_.expires_after(streams_.limits().stall_timeout);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (ec)
        return;
      if (auto self = weak.lock()) {
        beast::error_code ignored;
        self->socket_.cancel(ignored);
        self->socket_.close(ignored);
      }
    });
  }

  void on_head(beast::error_code ec, std::size_t /*n*/) {
    if (ec) {
      if (ec == http::error::header_limit)
        refuse(431, "headers-too-large", "Request header fields too large",
               "the request headers are too large");
      else if (ec != net::error::operation_aborted && ec != http::error::end_of_stream &&
               ec != net::error::eof)
        refuse(400, "validation", "Invalid request", "malformed HTTP request");
      else
        close();
      return;
    }
    const auto& req = parser_.get();
    if (auto it = req.find("X-Request-Id"); it != req.end() && is_sane_request_id(it->value()))
      request_id_ = std::string{it->value()};
    method_ = std::string{req.method_string()};
    if (!counted_) {
      refuse(503, "provider-unavailable", "Provider unavailable",
             "too many transfers at once; try again shortly", {{"Retry-After", "1"}});
      return;
    }
    std::string_view target = req.target();
    target = target.substr(0, target.find('?'));
    const auto token = target.substr(std::string_view{"/storage/"}.size());
    auto checked = streams_.store().check(token, unix_now());
    if (auto* error = std::get_if<storage::token_error>(&checked)) {
      refuse(403, "forbidden", "Forbidden",
             *error == storage::token_error::expired ? "the URL has expired"
                                                     : "the URL is not valid");
      return;
    }
    claims_ = std::get<storage::token_claims>(std::move(checked));
    const bool reading = req.method() == http::verb::get || req.method() == http::verb::head;
    if ((reading && claims_.method != "GET") ||
        (req.method() == http::verb::put && claims_.method != "PUT")) {
      refuse(403, "forbidden", "Forbidden", "the URL was not signed for " + method_);
      return;
    }
    if (reading)
      open_object();
    else
      start_upload();
  }

  // --- upload -------------------------------------------------------------------------------

  void start_upload() {
    const auto& req = parser_.get();
    const auto length = parser_.content_length();
    if (req.chunked() || !length) {
      refuse(411, "length-required", "Length required",
             "send the body with the Content-Length the URL was signed for");
      return;
    }
    if (*length != static_cast<uint64_t>(claims_.size)) {
      refuse(403, "forbidden", "Forbidden",
             "the URL was signed for " + std::to_string(claims_.size) + " bytes");
      return;
    }
    auto ct = req.find(http::field::content_type);
    if (ct == req.end() || ct->value() != claims_.content_type) {
      refuse(403, "forbidden", "Forbidden",
             "the URL was signed for Content-Type " + claims_.content_type);
      return;
    }
    remaining_ = claims_.size;
    auto temp = streams_.store().temp_path(claims_.key);
    net::post(streams_.disk(), [self = shared_from_this(), temp = std::move(temp)]() mutable {
      std::error_code ec;
      std::filesystem::create_directories(temp.parent_path(), ec);
      const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      net::post(self->socket_.get_executor(), [self, fd, temp = std::move(temp)]() mutable {
        self->on_temp_open(fd, std::move(temp));
      });
    });
  }

  void on_temp_open(int fd, std::filesystem::path temp) {
    if (fd < 0) {
      log::warn("cannot create an upload file", {{"error", std::strerror(errno)}});
      refuse(503, "provider-unavailable", "Provider unavailable", "the store cannot take files now",
             {{"Retry-After", "5"}});
      return;
    }
    fd_ = fd;
    temp_ = std::move(temp);
    const auto& req = parser_.get();
    if (auto it = req.find(http::field::expect);
        it != req.end() && beast::iequals(it->value(), "100-continue")) {
      continue_line_ = "HTTP/1.1 100 Continue\r\n\r\n";
      arm();
      net::async_write(socket_, net::buffer(continue_line_),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec)
                           self->close();
                         else
                           self->receive();
                       });
      return;
    }
    receive();
  }

  /// Takes the next chunk of the body: what the buffer holds first, then the socket.
  void receive() {
    if (remaining_ == 0) {
      commit();
      return;
    }
    if (buffer_.size() > 0) {
      const auto n = std::min<std::size_t>(buffer_.size(), static_cast<std::size_t>(remaining_));
      chunk_.assign(static_cast<const char*>(buffer_.data().data()), n);
      buffer_.consume(buffer_.size()); // the connection closes after this request
      write_chunk();
      return;
    }
    chunk_.resize(
        std::min<std::size_t>(streams_.limits().chunk_bytes, static_cast<std::size_t>(remaining_)));
    arm();
    socket_.async_read_some(net::buffer(chunk_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) {
                                // The client stopped sending: the temporary file goes, nothing
                                // becomes visible.
                                self->close();
                                return;
                              }
                              self->chunk_.resize(n);
                              self->write_chunk();
                            });
  }

  void write_chunk() {
    remaining_ -= static_cast<int64_t>(chunk_.size());
    net::post(streams_.disk(), [self = shared_from_this()] {
      bool ok = true;
      std::size_t done = 0;
      while (done < self->chunk_.size()) {
        const auto n = ::write(self->fd_, self->chunk_.data() + done, self->chunk_.size() - done);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0) {
          ok = false;
          break;
        }
        done += static_cast<std::size_t>(n);
      }
      net::post(self->socket_.get_executor(), [self, ok] {
        if (!ok) {
          self->refuse(503, "provider-unavailable", "Provider unavailable",
                       "the store cannot take the file now", {{"Retry-After", "5"}});
          return;
        }
        self->receive();
      });
    });
  }

  /// The whole body is on disk: made durable, then renamed into place in one step, unless the
  /// URL expired meanwhile (its upload actor may already have cleaned up).
  void commit() {
    body_done_ = true;
    auto object = streams_.store().object_path(claims_.key);
    net::post(streams_.disk(), [self = shared_from_this(), object = std::move(object)] {
      int status = 200;
      if (::fsync(self->fd_) != 0)
        status = 503;
      ::close(self->fd_);
      self->fd_ = -1;
      if (status == 200 && unix_now() > self->claims_.expires_at)
        status = 403;
      if (status == 200 && ::rename(self->temp_.c_str(), object.c_str()) != 0)
        status = 503;
      if (status == 200)
        self->temp_.clear();
      net::post(self->socket_.get_executor(), [self, status] {
        if (status == 403)
          self->refuse(403, "forbidden", "Forbidden", "the URL expired before the upload ended");
        else if (status != 200)
          self->refuse(503, "provider-unavailable", "Provider unavailable",
                       "the store cannot take the file now", {{"Retry-After", "5"}});
        else
          self->answer_empty(200);
      });
    });
  }

  // --- download -----------------------------------------------------------------------------

  void open_object() {
    auto object = streams_.store().object_path(claims_.key);
    net::post(streams_.disk(), [self = shared_from_this(), object = std::move(object)] {
      const int fd = ::open(object.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      int64_t size = -1;
      if (fd >= 0 && ::fstat(fd, &st) == 0)
        size = static_cast<int64_t>(st.st_size);
      net::post(self->socket_.get_executor(), [self, fd, size] { self->on_object(fd, size); });
    });
  }

  void on_object(int fd, int64_t size) {
    if (fd >= 0)
      fd_ = fd;
    if (fd < 0 || size < 0) {
      refuse(404, "not-found", "Not found", "the file is not there (any more)");
      return;
    }
    const auto& req = parser_.get();
    auto range = range_request{};
    if (auto it = req.find(http::field::range); it != req.end())
      range = parse_range(it->value(), size);
    if (range.result == range_request::kind::unsatisfiable) {
      response_ = {};
      response_.set(http::field::content_range, "bytes */" + std::to_string(size));
      refuse(416, "range-not-satisfiable", "Range not satisfiable",
             "the file holds " + std::to_string(size) + " bytes");
      return;
    }
    const bool part = range.result == range_request::kind::part;
    offset_ = part ? range.range.first : 0;
    remaining_ = part ? range.range.last - range.range.first + 1 : size;
    response_ = {};
    response_.result(part ? http::status::partial_content : http::status::ok);
    response_.version(11);
    response_.set(http::field::content_type, claims_.content_type);
    response_.set(http::field::content_length, std::to_string(remaining_));
    response_.set(http::field::content_disposition, storage::content_disposition(claims_.filename));
    response_.set(http::field::accept_ranges, "bytes");
    if (part)
      response_.set(http::field::content_range, "bytes " + std::to_string(range.range.first) + "-" +
                                                    std::to_string(range.range.last) + "/" +
                                                    std::to_string(size));
    secure(response_);
    response_.keep_alive(false);
    serialize_head(response_, head_);
    status_ = static_cast<int>(response_.result_int());
    arm();
    net::async_write(socket_, net::buffer(head_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec || self->parser_.get().method() == http::verb::head)
                         self->finish(ec);
                       else
                         self->send_chunk();
                     });
  }

  void send_chunk() {
    if (remaining_ == 0) {
      finish({});
      return;
    }
    chunk_.resize(
        std::min<std::size_t>(streams_.limits().chunk_bytes, static_cast<std::size_t>(remaining_)));
    net::post(streams_.disk(), [self = shared_from_this()] {
      ssize_t n = -1;
      do {
        n = ::pread(self->fd_, self->chunk_.data(), self->chunk_.size(), self->offset_);
      } while (n < 0 && errno == EINTR);
      net::post(self->socket_.get_executor(), [self, n] {
        if (n <= 0) {
          // Truncated under us: the length promised cannot be kept, so the connection ends.
          self->finish(net::error::eof);
          return;
        }
        self->chunk_.resize(static_cast<std::size_t>(n));
        self->offset_ += n;
        self->remaining_ -= n;
        self->arm();
        net::async_write(self->socket_, net::buffer(self->chunk_),
                         [self](beast::error_code ec, std::size_t) {
                           if (ec)
                             self->finish(ec);
                           else
                             self->send_chunk();
                         });
      });
    });
  }

  // --- answers ------------------------------------------------------------------------------

  void secure(beast_response& res) const {
    res.set("X-Request-Id", request_id_);
    res.set(http::field::cache_control, "private, no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy", "default-src 'none'; sandbox");
    if (ctx_.hsts)
      res.set(http::field::strict_transport_security, "max-age=63072000; includeSubDomains");
  }

  void answer_empty(int status) {
    response_ = {};
    response_.result(static_cast<unsigned>(status));
    response_.version(11);
    response_.set(http::field::content_length, "0");
    secure(response_);
    response_.keep_alive(false);
    serialize_head(response_, head_);
    status_ = status;
    arm();
    net::async_write(
        socket_, net::buffer(head_),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->finish(ec); });
  }

  /// Answers a problem and closes; an upload body still on its way is read and dropped first,
  /// for a while, so the client reads the answer rather than a reset.
  void refuse(int status, std::string_view slug, std::string_view title, std::string detail,
              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    ctx_.stats->rejected_input.fetch_add(1, std::memory_order_relaxed);
    std::vector<std::pair<http::field, std::string>> kept;
    if (auto it = response_.find(http::field::content_range); it != response_.end())
      kept.emplace_back(http::field::content_range, std::string{it->value()});
    response_ = {};
    for (const auto& [f, v] : kept)
      response_.set(f, v);
    for (const auto& [name, value] : headers)
      response_.set(name, value);
    build_problem(response_, problem{status, slug, title, std::move(detail), request_id_, {}},
                  ctx_.hsts, false);
    serialize_head(response_, head_);
    status_ = status;
    const bool body_coming = parser_.is_header_done() && method_ == "PUT" && !body_done_;
    arm();
    const std::array<net::const_buffer, 2> wire{net::buffer(head_), net::buffer(response_.body())};
    net::async_write(
        socket_, wire, [self = shared_from_this(), body_coming](beast::error_code ec, std::size_t) {
          if (ec || !body_coming) {
            self->finish(ec);
            return;
          }
          self->log_access();
          self->logged_ = true;
          beast::error_code ignored;
          self->socket_.shutdown(net::socket_base::shutdown_send, ignored);
          self->linger_left_ = self->streams_.limits().linger_bytes;
          self->timer_.expires_after(self->streams_.limits().linger);
          self->timer_.async_wait([weak = self->weak_from_this()](beast::error_code e) {
            if (auto s = weak.lock(); s && !e)
              s->close();
          });
          self->drain();
        });
  }

  void drain() {
    chunk_.resize(std::size_t{64} * 1024);
    socket_.async_read_some(net::buffer(chunk_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec || n >= self->linger_left_) {
                                self->close();
                                return;
                              }
                              self->linger_left_ -= n;
                              self->drain();
                            });
  }

  void finish(beast::error_code ec) {
    if (ec && status_ == 0)
      status_ = 499;
    close();
  }

  void close() {
    if (!logged_ && status_ != 0) {
      logged_ = true;
      log_access();
    }
    beast::error_code ignored;
    timer_.cancel();
    socket_.shutdown(net::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
    if (fd_ >= 0 || !temp_.empty()) {
      // The file is closed and a partial upload removed on a disk thread.
      net::post(streams_.disk(), [fd = std::exchange(fd_, -1), temp = std::exchange(temp_, {})] {
        if (fd >= 0)
          ::close(fd);
        if (!temp.empty()) {
          std::error_code ec;
          std::filesystem::remove(temp, ec);
        }
      });
    }
  }

  void log_access() {
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    ctx_.stats->observe_http(0, status_, seconds);
    // The token is a credential for as long as it lives: never logged.
    log::access(request_id_, method_, "/storage/{token}", status_, seconds * 1000.0, remote_ip_);
  }

  http_session::socket_type socket_;
  beast::flat_buffer buffer_;
  gateway_context& ctx_;
  storage_streams& streams_;
  std::string remote_ip_;
  net::steady_timer::rebind_executor<strand>::other timer_;
  http::request_parser<http::empty_body> parser_;
  std::string request_id_;
  std::string method_;
  std::chrono::steady_clock::time_point started_;
  storage::token_claims claims_;
  beast_response response_;
  std::string head_;
  std::string continue_line_;
  std::string chunk_;
  std::filesystem::path temp_;
  int fd_ = -1;
  int64_t remaining_ = 0;
  int64_t offset_ = 0;
  std::size_t linger_left_ = 0;
  int status_ = 0;
  bool counted_ = false;
  bool logged_ = false;
  bool body_done_ = false;
  uint64_t tracker_id_ = 0;
};

} // namespace

void serve_storage(http_session::socket_type&& socket, beast::flat_buffer&& buffer,
                   gateway_context& ctx, std::string remote_ip) {
  std::make_shared<storage_stream>(std::move(socket), std::move(buffer), ctx, std::move(remote_ip))
      ->run();
}

} // namespace gh
