#pragma once

#include "gateway/context.hpp"
#include "gateway/http_session.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gh::storage {
class local_store;
} // namespace gh::storage

namespace gh {

/// The limits of `PUT/GET /storage/{token}`.
struct storage_stream_limits {
  /// Bytes moved per step between the socket and the disk: the memory one transfer holds.
  std::size_t chunk_bytes = std::size_t{256} * 1024;
  /// Transfers at once; more are answered 503.
  std::size_t max_transfers = 512;
  /// A transfer that moves no byte for this long is ended (GATEHOUSE_READ_TIMEOUT).
  std::chrono::milliseconds stall_timeout{10000};
  /// After refusing an upload whose body is on its way, how long (and how much) of it is read
  /// and dropped before closing, so the client sees the answer instead of a reset.
  std::chrono::milliseconds linger{2000};
  std::size_t linger_bytes = std::size_t{8} * 1024 * 1024;
  /// Threads that do the disk work (open, write, fsync, rename, read).
  unsigned disk_threads = 2;
};

/// What every storage transfer shares: the local store (token checks and paths), the disk
/// threads and the count of transfers in flight. Disk work never runs on an io thread: each
/// chunk is written or read on a disk thread while the connection waits on its strand, one
/// chunk in flight per transfer, so a slow disk slows that transfer (TCP pushes back on the
/// client) and never the io threads. Call `stop()` before the io_context goes away.
class storage_streams {
public:
  storage_streams(std::shared_ptr<const storage::local_store> store, storage_stream_limits limits);
  ~storage_streams();

  storage_streams(const storage_streams&) = delete;
  storage_streams& operator=(const storage_streams&) = delete;

  const storage::local_store& store() const noexcept { return *store_; }
  const storage_stream_limits& limits() const noexcept { return limits_; }
  boost::asio::thread_pool& disk() noexcept { return disk_; }

  /// Waits for the disk work in flight; idempotent.
  void stop();

  std::atomic<std::size_t> active{0};

private:
  std::shared_ptr<const storage::local_store> store_;
  storage_stream_limits limits_;
  boost::asio::thread_pool disk_;
};

/// What a connection's first bytes say about the request they start.
enum class storage_claim : std::uint8_t {
  no,       ///< another request: the session parses it
  yes,      ///< `PUT`, `GET` or `HEAD` of `/storage/…`: the storage stream takes it
  undecided ///< too few bytes to tell: read more
};

/// Looks at the request line at the start of `buffer`.
storage_claim claims_storage(const boost::beast::flat_buffer& buffer) noexcept;

/// A byte range of an object, both ends included.
struct byte_range {
  int64_t first = 0;
  int64_t last = 0;
};

/// What a `Range` header asks of an object of `size` bytes.
struct range_request {
  enum class kind : std::uint8_t {
    whole,        ///< no usable single range (absent, several ranges, not bytes, malformed)
    part,         ///< `range` (206)
    unsatisfiable ///< a well-formed range outside the object (416)
  };
  kind result = kind::whole;
  byte_range range;
};

/// Parses `Range: bytes=a-b`, `bytes=a-` and `bytes=-n` (RFC 9110 §14) for an object of `size`
/// bytes; a list of several ranges is served whole.
range_request parse_range(std::string_view header, int64_t size) noexcept;

/// Takes the connection over for one storage request (the session hands it over before parsing
/// anything): reads the head, checks the token, streams the body to a temporary file that is
/// renamed into place when whole (PUT), or the object (whole or a `Range`) to the client (GET,
/// HEAD), answers, and closes the connection.
void serve_storage(http_session::socket_type&& socket, boost::beast::flat_buffer&& buffer,
                   gateway_context& ctx, std::string remote_ip);

} // namespace gh
