#pragma once

#include "messages/ws.hpp"

#include <cstddef>
#include <vector>

namespace gh {

/// The frames waiting to be written to one WebSocket, bounded in frames and in bytes
/// (GATEHOUSE_WS_QUEUE_LIMIT, GATEHOUSE_WS_QUEUE_BYTES). The front is the frame being written;
/// the byte bound counts the frames behind it, so a frame larger than the bound still goes out
/// to a client that keeps up, and the queue holds at most the front plus `max_bytes`. Frames are
/// shared with the other connections they went to; an empty queue keeps at most a few slots
/// (`kept_slots`), so an idle connection pays next to nothing for it.
class ws_queue {
public:
  /// A queue of at most `max_frames` frames (the front included) and `max_bytes` behind it.
  ws_queue(std::size_t max_frames, std::size_t max_bytes)
      : max_frames_(max_frames), max_bytes_(max_bytes) {}

  /// Appends `frame`; false, leaving the queue as it was, when that would pass a bound (the
  /// client does not keep up).
  bool push(shared_frame frame) {
    if (!empty()) {
      if (size() >= max_frames_ || bytes_behind_ + frame->size() > max_bytes_)
        return false;
      bytes_behind_ += frame->size();
    }
    frames_.push_back(std::move(frame));
    return true;
  }

  /// The frame to write next (the one being written); the queue must not be empty.
  const std::string& front() const { return *frames_[head_]; }

  /// Drops the front (its write completed); the next frame becomes the front.
  void pop() {
    frames_[head_].reset();
    ++head_;
    if (empty()) {
      release();
      return;
    }
    bytes_behind_ -= frames_[head_]->size();
    // Slots before the front are spent: close the gap once it is half the vector.
    if (head_ * 2 >= frames_.size()) {
      frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  /// Drops every frame behind the front (which a write in flight still reads).
  void drop_behind_front() {
    if (size() > 1)
      frames_.resize(head_ + 1);
    bytes_behind_ = 0;
  }

  /// Drops every frame.
  void clear() { release(); }

  bool empty() const noexcept { return head_ == frames_.size(); }
  std::size_t size() const noexcept { return frames_.size() - head_; }
  /// Bytes of the frames behind the front.
  std::size_t bytes_behind() const noexcept { return bytes_behind_; }

private:
  /// Slots an empty queue keeps for the next frames; a burst's larger vector is given back.
  static constexpr std::size_t kept_slots = 4;

  /// Empties the queue; gives its slots back when they are more than `kept_slots`.
  void release() {
    if (frames_.capacity() > kept_slots)
      std::vector<shared_frame>{}.swap(frames_);
    else
      frames_.clear();
    head_ = 0;
    bytes_behind_ = 0;
  }

  std::vector<shared_frame> frames_; ///< [head_, end) wait, the front first.
  std::size_t head_ = 0;
  std::size_t bytes_behind_ = 0;
  std::size_t max_frames_;
  std::size_t max_bytes_;
};

} // namespace gh
