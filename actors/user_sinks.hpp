#pragma once

#include "messages/ws.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace gh {

/// The open WebSockets of each user: per-user actors push frames through it to every
/// connection of their own user, and only theirs. Thread-safe; holds connections weakly, so a
/// closed connection that forgot to detach costs nothing but a map slot until the next push.
class user_sinks {
public:
  /// Holds one of `user_id`'s `limit` places for a connection still in its handshake; false
  /// when the user's open and held connections reach `limit` already. Check and hold are one
  /// step, so two handshakes racing for the last place cannot both pass.
  bool reserve(const std::string& user_id, std::size_t limit);

  /// Gives back a place held by `reserve` whose connection never opened.
  void release(const std::string& user_id);

  /// Registers `sink` as one of `user_id`'s connections; it takes over a place held by
  /// `reserve`, if any.
  void attach(const std::string& user_id, const std::shared_ptr<connection_sink>& sink);

  /// Removes the connection `connection_id` of `user_id`.
  void detach(const std::string& user_id, uint64_t connection_id);

  /// Queues `frame` on every open connection of `user_id`; returns how many got it.
  std::size_t push(const std::string& user_id, const std::string& frame);

  /// Where `push_everywhere` hands frames for the other instances (their WebSockets); call
  /// before serving.
  void set_relay(std::function<void(const std::string& user_id, const std::string& frame)> relay);

  /// `push`, and the same frame to `user_id`'s WebSockets on every other instance: for a
  /// per-user actor, which lives on one instance while its user may be connected to any.
  std::size_t push_everywhere(const std::string& user_id, const std::string& frame);

  /// Open connections of `user_id`, and places held for connections in their handshake.
  std::size_t connections(const std::string& user_id) const;

  /// Users with at least one registered connection.
  std::size_t users() const;

private:
  std::function<void(const std::string&, const std::string&)> relay_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::weak_ptr<connection_sink>>> by_user_;
  std::unordered_map<std::string, std::size_t> held_;

  std::size_t count_locked(const std::string& user_id) const;
  void release_locked(const std::string& user_id);
};

} // namespace gh
