#include "persistence/jetstream/micro_service.hpp"

#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <chrono>

namespace gh::nats {

namespace {

void reply(natsConnection* nc, natsMsg* request, const std::string& body, int error_code,
           const std::string& error) {
  const char* to = natsMsg_GetReply(request);
  if (to == nullptr || *to == '\0')
    return;
  natsMsg* msg = nullptr;
  if (natsMsg_Create(&msg, to, nullptr, body.data(), static_cast<int>(body.size())) != NATS_OK)
    return;
  if (error_code != 0) {
    // A header value is one line of printable text, whatever a handler put in it.
    std::string line;
    for (char c : error.substr(0, 300))
      line +=
          (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) ? c : '?';
    natsMsgHeader_Set(msg, "Nats-Service-Error", line.c_str());
    natsMsgHeader_Set(msg, "Nats-Service-Error-Code", std::to_string(error_code).c_str());
  }
  natsConnection_PublishMsg(nc, msg);
  natsMsg_Destroy(msg);
}

} // namespace

micro_service::micro_service(natsConnection* conn, service_identity identity,
                             std::vector<endpoint> endpoints)
    : conn_(conn), identity_(std::move(identity)),
      started_(to_rfc3339(std::chrono::system_clock::now())) {
  for (auto& e : endpoints) {
    auto state = std::make_unique<endpoint_state>();
    state->spec = std::move(e);
    endpoints_.push_back(std::move(state));
  }
}

micro_service::~micro_service() {
  stop();
}

bool micro_service::start() {
  auto subscribe = [this](const std::string& subject, const char* queue, int kind,
                          endpoint_state* ep) {
    routes_.push_back(std::make_unique<route>(route{this, kind, ep}));
    natsSubscription* sub = nullptr;
    auto status = queue == nullptr
                      ? natsConnection_Subscribe(&sub, conn_, subject.c_str(), &on_message,
                                                 routes_.back().get())
                      : natsConnection_QueueSubscribe(&sub, conn_, subject.c_str(), queue,
                                                      &on_message, routes_.back().get());
    if (status != NATS_OK)
      return false;
    subs_.push_back(sub);
    return true;
  };
  static constexpr std::array<const char*, 3> verbs{"PING", "INFO", "STATS"};
  for (int kind = 0; kind < 3; ++kind) {
    const std::string base = std::string{"$SRV."} + verbs[static_cast<std::size_t>(kind)];
    for (const auto& subject :
         {base, base + "." + identity_.name, base + "." + identity_.name + "." + identity_.id})
      if (!subscribe(subject, nullptr, kind, nullptr)) {
        stop();
        return false;
      }
  }
  for (auto& ep : endpoints_)
    if (!subscribe(ep->spec.subject, ep->spec.fan_out ? nullptr : "q", 3, ep.get())) {
      stop();
      return false;
    }
  return true;
}

void micro_service::stop() {
  for (auto* sub : subs_) {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
  subs_.clear();
}

void micro_service::on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  const auto* r = static_cast<const route*>(closure);
  r->owner->handle(*r, msg);
  natsMsg_Destroy(msg);
}

void micro_service::handle(const route& r, natsMsg* msg) {
  switch (r.kind) {
  case 0:
    reply(conn_, msg, ping_json(), 0, {});
    return;
  case 1:
    reply(conn_, msg, info_json(), 0, {});
    return;
  case 2:
    reply(conn_, msg, stats_json(), 0, {});
    return;
  default:
    break;
  }
  auto* ep = r.ep;
  const auto start = std::chrono::steady_clock::now();
  endpoint_reply result;
  try {
    const char* data = natsMsg_GetData(msg);
    result = ep->spec.handler(std::string_view{
        data == nullptr ? "" : data, static_cast<std::size_t>(natsMsg_GetDataLength(msg))});
  } catch (const std::exception&) {
    result = endpoint_reply{{}, 500, "internal error"};
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ep->requests.fetch_add(1, std::memory_order_relaxed);
  ep->processing_ns.fetch_add(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
      std::memory_order_relaxed);
  if (result.error_code != 0) {
    ep->errors.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard guard{ep->mutex};
    ep->last_error = std::to_string(result.error_code) + ":" + result.error;
  }
  reply(conn_, msg, result.body, result.error_code, result.error);
}

std::string micro_service::ping_json() const {
  boost::json::object o;
  o["type"] = "io.nats.micro.v1.ping_response";
  o["name"] = identity_.name;
  o["id"] = identity_.id;
  o["version"] = identity_.version;
  o["metadata"] = boost::json::object{};
  return boost::json::serialize(o);
}

std::string micro_service::info_json() const {
  boost::json::object o;
  o["type"] = "io.nats.micro.v1.info_response";
  o["name"] = identity_.name;
  o["id"] = identity_.id;
  o["version"] = identity_.version;
  o["metadata"] = boost::json::object{};
  o["description"] = identity_.description;
  boost::json::array eps;
  for (const auto& ep : endpoints_) {
    boost::json::object one{
        {"name", ep->spec.name}, {"subject", ep->spec.subject}, {"metadata", nullptr}};
    // A fan-out endpoint has no queue group: every instance answers.
    if (!ep->spec.fan_out)
      one["queue_group"] = "q";
    eps.push_back(std::move(one));
  }
  o["endpoints"] = std::move(eps);
  return boost::json::serialize(o);
}

std::string micro_service::stats_json() const {
  boost::json::object o;
  o["type"] = "io.nats.micro.v1.stats_response";
  o["name"] = identity_.name;
  o["id"] = identity_.id;
  o["version"] = identity_.version;
  o["metadata"] = boost::json::object{};
  o["started"] = started_;
  boost::json::array eps;
  for (const auto& ep : endpoints_) {
    const auto requests = ep->requests.load();
    const auto ns = ep->processing_ns.load();
    std::string last_error;
    {
      std::lock_guard guard{ep->mutex};
      last_error = ep->last_error;
    }
    boost::json::object one{
        {"name", ep->spec.name},
        {"subject", ep->spec.subject},
        {"num_requests", requests},
        {"num_errors", ep->errors.load()},
        {"last_error", last_error},
        {"processing_time", ns},
        {"average_processing_time", requests == 0 ? 0 : ns / requests},
    };
    if (!ep->spec.fan_out)
      one["queue_group"] = "q";
    eps.push_back(std::move(one));
  }
  o["endpoints"] = std::move(eps);
  return boost::json::serialize(o);
}

} // namespace gh::nats
