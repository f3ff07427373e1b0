#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace gh {

/// The frames waiting to be written to one WebSocket, bounded in frames and in bytes
/// (GATEHOUSE_WS_QUEUE_LIMIT, GATEHOUSE_WS_QUEUE_BYTES). The front is the frame being written;
/// the byte bound counts the frames behind it, so a frame larger than the bound still goes out
/// to a client that keeps up, and the queue holds at most the front plus `max_bytes`.
class ws_queue {
public:
  /// A queue of at most `max_frames` frames (the front included) and `max_bytes` behind it.
  ws_queue(std::size_t max_frames, std::size_t max_bytes)
      : max_frames_(max_frames), max_bytes_(max_bytes) {}

  /// Appends `frame`; false, leaving the queue as it was, when that would pass a bound (the
  /// client does not keep up).
  bool push(std::string frame) {
    if (!frames_.empty()) {
      if (frames_.size() >= max_frames_ || bytes_behind_ + frame.size() > max_bytes_)
        return false;
      bytes_behind_ += frame.size();
    }
    frames_.push_back(std::move(frame));
    return true;
  }

  /// The frame to write next (the one being written); the queue must not be empty.
  const std::string& front() const { return frames_.front(); }

  /// Drops the front (its write completed); the next frame becomes the front.
  void pop() {
    frames_.pop_front();
    if (!frames_.empty())
      bytes_behind_ -= frames_.front().size();
  }

  /// Drops every frame behind the front (which a write in flight still reads).
  void drop_behind_front() {
    if (frames_.size() > 1)
      frames_.erase(frames_.begin() + 1, frames_.end());
    bytes_behind_ = 0;
  }

  /// Drops every frame.
  void clear() {
    frames_.clear();
    bytes_behind_ = 0;
  }

  bool empty() const noexcept { return frames_.empty(); }
  std::size_t size() const noexcept { return frames_.size(); }
  /// Bytes of the frames behind the front.
  std::size_t bytes_behind() const noexcept { return bytes_behind_; }

private:
  std::deque<std::string> frames_;
  std::size_t bytes_behind_ = 0;
  std::size_t max_frames_;
  std::size_t max_bytes_;
};

} // namespace gh
