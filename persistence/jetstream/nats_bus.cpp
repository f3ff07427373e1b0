#include "persistence/jetstream/nats_bus.hpp"

#include "config/log.hpp"

#include <chrono>

namespace gh::nats {

namespace {

constexpr int64_t nanos_per_second = 1000000000LL;

} // namespace

const std::vector<stream_spec>& gatehouse_streams() {
  static const std::vector<stream_spec> all{
      {"USERS", {"user.>", "org.>"}},
      {"PAYMENTS", {"stripe.webhook.>", "payment.>", "subscription.>"}},
      {"FILES", {"file.>"}},
      {"EMAIL", {"email.>"}},
      {"RECORDS", {"record.>"}},
      // Identity providers' verified webhooks, before the federation worker applies them.
      {"IDP", {"idp.>"}},
      // Dead letters of the worker actors (see actors/events/dead_letters.hpp).
      {"DLQ", {"dlq.>"}},
  };
  return all;
}

bus::bus(config::secret url, std::string client_name, dependency_health& health)
    : url_(std::move(url)), client_name_(std::move(client_name)), health_(health) {}

bus::~bus() {
  close();
}

bool bus::start() {
  if (natsOptions_Create(&opts_) != NATS_OK)
    return false;
  natsOptions_SetName(opts_, client_name_.c_str());
  natsOptions_SetMaxReconnect(opts_, -1);
  natsOptions_SetReconnectWait(opts_, 250);
  natsOptions_SetTimeout(opts_, 2000);
  natsOptions_SetDisconnectedCB(opts_, &bus::on_disconnected, this);
  natsOptions_SetReconnectedCB(opts_, &bus::on_connected, this);
  natsOptions_SetRetryOnFailedConnect(opts_, true, &bus::on_connected, this);
  if (natsOptions_SetURL(opts_, url_.reveal().c_str()) != NATS_OK) {
    log::error("NATS_URL is not usable");
    return false;
  }
  auto status = natsConnection_Connect(&conn_, opts_);
  if (status != NATS_OK && status != NATS_NOT_YET_CONNECTED) {
    log::error("cannot start the NATS connection", {{"status", natsStatus_GetText(status)}});
    return false;
  }
  jsOptions js_opts;
  jsOptions_Init(&js_opts);
  js_opts.Wait = 5000;
  if (natsConnection_JetStream(&js_, conn_, &js_opts) != NATS_OK)
    return false;
  maintainer_ = std::jthread{[this](const std::stop_token& stop) { maintain(stop); }};
  return true;
}

bool bus::connected() const noexcept {
  return conn_ != nullptr && natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED;
}

void bus::close() {
  closing_ = true;
  if (maintainer_.joinable()) {
    maintainer_.request_stop();
    wake_.notify_all();
    maintainer_.join();
  }
  if (js_ != nullptr)
    jsCtx_Destroy(js_);
  js_ = nullptr;
  if (conn_ != nullptr) {
    natsConnection_Close(conn_);
    natsConnection_Destroy(conn_);
  }
  conn_ = nullptr;
  if (opts_ != nullptr)
    natsOptions_Destroy(opts_);
  opts_ = nullptr;
  health_.set(dependency::nats, false);
}

void bus::on_connected(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<bus*>(closure);
  // JetStream calls block on the server, so they run on the maintenance thread, never here.
  self->streams_dirty_ = true;
  self->wake_.notify_all();
}

void bus::on_disconnected(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<bus*>(closure);
  self->health_.set(dependency::nats, false);
  if (!self->closing_)
    log::warn("NATS disconnected");
}

void bus::maintain(const std::stop_token& stop) {
  bool was_up = false;
  while (!stop.stop_requested()) {
    bool up = connected();
    if (up && streams_dirty_.exchange(false)) {
      if (ensure_streams()) {
        streams_ready_ = true;
      } else {
        streams_dirty_ = true;
        up = false;
      }
    }
    up = up && !streams_dirty_;
    health_.set(dependency::nats, up);
    if (up != was_up)
      log::info(up ? "NATS connected, streams ready" : "NATS not ready");
    was_up = up;
    std::unique_lock lock{mutex_};
    wake_.wait_for(lock, stop, std::chrono::milliseconds{500}, [] { return false; });
  }
}

bool bus::ensure_streams() {
  for (const auto& spec : gatehouse_streams()) {
    std::vector<const char*> subjects;
    for (const auto& s : spec.subjects)
      subjects.push_back(s.c_str());
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = spec.name.c_str();
    cfg.Subjects = subjects.data();
    cfg.SubjectsLen = static_cast<int>(subjects.size());
    cfg.Storage = js_FileStorage;
    cfg.Retention = js_LimitsPolicy;
    cfg.Duplicates = 120 * nanos_per_second;
    cfg.MaxAge = 30LL * 24 * 3600 * nanos_per_second;
    jsStreamInfo* info = nullptr;
    auto err = static_cast<jsErrCode>(0);
    auto status = js_GetStreamInfo(&info, js_, spec.name.c_str(), nullptr, &err);
    if (status == NATS_OK) {
      jsStreamInfo_Destroy(info);
      info = nullptr;
      status = js_UpdateStream(&info, js_, &cfg, nullptr, &err);
    } else if (status == NATS_NOT_FOUND) {
      status = js_AddStream(&info, js_, &cfg, nullptr, &err);
    }
    if (info != nullptr)
      jsStreamInfo_Destroy(info);
    if (status != NATS_OK) {
      log::error("cannot ensure JetStream stream", {{"stream", spec.name},
                                                    {"status", natsStatus_GetText(status)},
                                                    {"js_error", static_cast<int>(err)}});
      return false;
    }
  }
  return true;
}

} // namespace gh::nats
