#include "actors/app.hpp"

#include "messages/type_ids.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <ranges>
#include <stdexcept>

namespace gh {

app::app(shared_parts parts)
    : sys(*parts.sys), settings(*parts.settings), db(*parts.db), redis(std::move(parts.redis)),
      bus(parts.bus), health(*parts.health), stats(*parts.stats), events(*parts.events),
      sinks(*parts.sinks), revoked(*parts.revoked), external(*parts.external),
      profiles(*parts.profiles), keys(*parts.keys), drain(*parts.drain),
      registry(std::move(parts.registry)), secrets_key(std::move(parts.secrets_key)),
      version(std::move(parts.version)), survivors_(parts.survivors) {}

app::~app() {
  stop();
}

std::string app::public_base() const {
  const auto& url = settings.public_url;
  return url.ends_with('/') ? url.substr(0, url.size() - 1) : url;
}

void app::add_route(std::string method, std::string pattern, http_handler_actor handler,
                    body_kind body, auth_policy auth, inline_handler fast) {
  const auto slot = stats.add_route(method, pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler), body, slot, auth,
                     std::move(fast)});
}

void app::add_consumer(events::consumer_spec spec) {
  (void)events.consumer(spec.name); // its figures exist before the stats endpoint reads them
  consumers_.push_back(std::move(spec));
}

void app::add_schedule(schedule_spec spec) {
  schedules_.push_back(std::move(spec));
}

void app::add_user_actor_kind(const std::string& kind, user_actor_kind spec) {
  // Synchronous, so the kind is known before the first request can name it.
  caf::scoped_actor self{sys};
  bool added = false;
  self->request(registry, caf::infinite, add_atom_v, kind, std::move(spec))
      .receive([&](bool ok) { added = ok; }, [](const caf::error&) {});
  if (!added)
    throw std::runtime_error("cannot register the per-user actor kind " + kind);
}

void app::add_ops_endpoint(nats::endpoint endpoint) {
  endpoints_.push_back(std::move(endpoint));
}

void app::add_docs(const std::vector<route_doc>& docs) {
  docs_.insert(docs_.end(), docs.begin(), docs.end());
}

void app::add_schema(std::string name, std::string schema) {
  schemas_.emplace_back(std::move(name), std::move(schema));
}

void app::add_push(push_spec spec) {
  pushes_.push_back(std::move(spec));
}

void app::add_command(command_spec spec) {
  commands_.push_back(std::move(spec));
}

void app::keep(std::shared_ptr<void> object) {
  if (survivors_ == nullptr)
    throw std::logic_error("app::keep needs the process's survivors list");
  survivors_->push_back(std::move(object));
}

void app::own(caf::actor a) {
  owned_.push_back(std::move(a));
}

void app::own_background(caf::actor a) {
  background_.push_back(std::move(a));
}

void app::on_start(std::function<void()> fn) {
  start_hooks_.push_back(std::move(fn));
}

void app::on_stop(std::function<void()> fn) {
  stop_hooks_.push_back(std::move(fn));
}

void app::start() {
  for (const auto& hook : start_hooks_)
    hook();
}

void app::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  if (!background_.empty()) {
    caf::scoped_actor self{sys};
    for (const auto& a : background_)
      self->send_exit(a, caf::exit_reason::user_shutdown);
    for (const auto& a : background_)
      self->wait_for(a);
  }
  background_.clear();
  for (const auto& hook : std::ranges::reverse_view(stop_hooks_))
    hook();
  stop_hooks_.clear();
  start_hooks_.clear();
  for (const auto& a : owned_)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  owned_.clear();
  // Routes and the console hold handles too: without them, nothing keeps an actor alive.
  routes_.clear();
  console_ = nullptr;
  consumers_.clear();
  schedules_.clear();
  endpoints_.clear();
  pushes_.clear();
  commands_.clear(); // handlers hold the handles of the actors they ask
}

} // namespace gh
