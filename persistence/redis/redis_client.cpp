#include "persistence/redis/redis_client.hpp"

#include "messages/gh_errc.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <hiredis/hiredis.h>

#include <sys/time.h>

namespace gh::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

reply convert(const redisReply* r) {
  reply out;
  switch (r->type) {
  case REDIS_REPLY_INTEGER:
    out.type = reply::kind::integer;
    out.integer = r->integer;
    break;
  case REDIS_REPLY_STRING:
    out.type = reply::kind::string;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_STATUS:
    out.type = reply::kind::status;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_ERROR:
    out.type = reply::kind::error;
    out.str.assign(r->str, r->len);
    break;
  case REDIS_REPLY_ARRAY:
    out.type = reply::kind::array;
    for (size_t i = 0; i < r->elements; ++i)
      out.elements.push_back(convert(r->element[i]));
    break;
  default:
    out.type = reply::kind::nil;
  }
  return out;
}

void append(redisContext* ctx, const command& cmd) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& arg : cmd) {
    argv.push_back(arg.data());
    lens.push_back(arg.size());
  }
  redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data());
}

} // namespace

client::client(config::redis_endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

client::~client() {
  drop();
}

void client::drop() {
  if (ctx_ != nullptr)
    redisFree(ctx_);
  ctx_ = nullptr;
}

bool client::ensure_connected() {
  if (ctx_ != nullptr)
    return true;
  ctx_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(timeout_));
  if (ctx_ == nullptr || ctx_->err != 0) {
    drop();
    return false;
  }
  redisSetTimeout(ctx_, to_timeval(timeout_));
  std::vector<command> setup;
  if (!endpoint_.password.empty())
    setup.push_back({"AUTH", endpoint_.password.reveal()});
  if (endpoint_.db != 0)
    setup.push_back({"SELECT", std::to_string(endpoint_.db)});
  if (setup.empty())
    return true;
  auto replies = pipeline(setup);
  if (!replies)
    return false;
  for (const auto& r : *replies)
    if (r.type == reply::kind::error) {
      drop();
      return false;
    }
  return true;
}

std::optional<reply> client::run(const command& cmd) {
  auto replies = pipeline({cmd});
  if (!replies)
    return std::nullopt;
  return std::move(replies->front());
}

std::optional<std::vector<reply>> client::pipeline(const std::vector<command>& cmds) {
  if (!ensure_connected())
    return std::nullopt;
  for (const auto& cmd : cmds)
    append(ctx_, cmd);
  std::vector<reply> out;
  out.reserve(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      drop();
      return std::nullopt;
    }
    auto* r = static_cast<redisReply*>(raw);
    out.push_back(convert(r));
    freeReplyObject(r);
  }
  return out;
}

namespace {

struct redis_state {
  std::unique_ptr<client> conn;
  dependency_health* health = nullptr;
  std::chrono::milliseconds probe_interval{1000};
};

redis_actor::behavior_type redis_impl(redis_actor::stateful_pointer<redis_state> self,
                                      config::redis_endpoint endpoint, dependency_health* health,
                                      std::chrono::milliseconds probe_interval) {
  self->state.conn = std::make_unique<client>(std::move(endpoint), std::chrono::milliseconds{1000});
  self->state.health = health;
  self->state.probe_interval = probe_interval;
  self->send(self, probe_atom_v);
  return {
      [self](exec_atom, const command& cmd) -> caf::result<reply> {
        auto r = self->state.conn->run(cmd);
        if (!r) {
          self->state.health->set(dependency::redis, false);
          return make_error(gh_errc::provider_unavailable);
        }
        return std::move(*r);
      },
      [self](probe_atom) {
        auto r = self->state.conn->run({"PING"});
        self->state.health->set(dependency::redis,
                                r && r->type == reply::kind::status && r->str == "PONG");
        self->delayed_send(self, self->state.probe_interval, probe_atom_v);
      },
  };
}

} // namespace

redis_actor spawn_redis_actor(caf::actor_system& sys, const config::redis_endpoint& endpoint,
                              dependency_health& health, std::chrono::milliseconds probe_interval) {
  return sys.spawn<caf::detached>(redis_impl, endpoint, &health, probe_interval);
}

} // namespace gh::redis
