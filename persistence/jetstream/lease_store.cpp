#include "persistence/jetstream/lease_store.hpp"

namespace gh::nats {

namespace {

/// A KV entry, destroyed with its scope.
struct entry_ptr {
  kvEntry* e = nullptr;
  entry_ptr() = default;
  entry_ptr(const entry_ptr&) = delete;
  entry_ptr& operator=(const entry_ptr&) = delete;
  ~entry_ptr() {
    if (e != nullptr)
      kvEntry_Destroy(e);
  }
};

/// How often `acquire` starts over when the key changes under it (expired, released, taken).
constexpr int max_attempts = 4;

} // namespace

std::unique_ptr<lease_store> lease_store::open(natsConnection* connection,
                                               const std::string& bucket,
                                               std::chrono::milliseconds ttl, std::string& error) {
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, connection, nullptr) != NATS_OK) {
    error = "cannot open a JetStream context";
    return nullptr;
  }
  kvStore* kv = nullptr;
  if (js_KeyValue(&kv, js, bucket.c_str()) != NATS_OK) {
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = bucket.c_str();
    cfg.Description = "Gatehouse: which instance owns each per-user actor";
    cfg.History = 1;
    cfg.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count();
    cfg.MaxValueSize = 128;
    cfg.StorageType = js_MemoryStorage;
    // Another instance may create it at the same moment: then it exists, and opening works.
    if (js_CreateKeyValue(&kv, js, &cfg) != NATS_OK &&
        js_KeyValue(&kv, js, bucket.c_str()) != NATS_OK) {
      error = std::string{"cannot create the KV bucket: "} + nats_GetLastError(nullptr);
      jsCtx_Destroy(js);
      return nullptr;
    }
  }
  return std::unique_ptr<lease_store>{new lease_store{connection, js, kv}};
}

lease_store::~lease_store() {
  kvStore_Destroy(kv_);
  jsCtx_Destroy(js_);
}

std::optional<lease> lease_store::acquire(std::string_view key, std::string_view instance) {
  const std::string k{key};
  const std::string value{instance};
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    // Free: create it (fails when the key holds a live value).
    uint64_t rev = 0;
    if (kvStore_CreateString(&rev, kv_, k.c_str(), value.c_str()) == NATS_OK)
      return lease{value, rev, true};
    entry_ptr current;
    const natsStatus s = kvStore_Get(&current.e, kv_, k.c_str());
    if (s == NATS_NOT_FOUND)
      continue; // expired or deleted between the two calls
    if (s != NATS_OK)
      return std::nullopt;
    const char* held = kvEntry_ValueString(current.e);
    const std::string owner = held != nullptr ? held : "";
    const uint64_t held_rev = kvEntry_Revision(current.e);
    if (owner == value)
      return lease{value, held_rev, true};
    if (!owner.empty())
      return lease{owner, held_rev, false};
    // Released: take it at the revision read, unless someone else does first.
    if (kvStore_UpdateString(&rev, kv_, k.c_str(), value.c_str(), held_rev) == NATS_OK)
      return lease{value, rev, true};
  }
  return std::nullopt;
}

std::optional<uint64_t> lease_store::renew(std::string_view key, std::string_view instance,
                                           uint64_t revision) {
  const std::string k{key};
  const std::string value{instance};
  uint64_t rev = 0;
  if (kvStore_UpdateString(&rev, kv_, k.c_str(), value.c_str(), revision) != NATS_OK)
    return std::nullopt;
  return rev;
}

bool lease_store::release(std::string_view key, uint64_t revision) {
  const std::string k{key};
  uint64_t rev = 0;
  return kvStore_Update(&rev, kv_, k.c_str(), nullptr, 0, revision) == NATS_OK;
}

std::optional<lease> lease_store::owner(std::string_view key) {
  const std::string k{key};
  entry_ptr current;
  if (kvStore_Get(&current.e, kv_, k.c_str()) != NATS_OK)
    return std::nullopt;
  const char* held = kvEntry_ValueString(current.e);
  if (held == nullptr || *held == '\0')
    return std::nullopt;
  return lease{held, kvEntry_Revision(current.e), false};
}

bool lease_store::reachable() const {
  return natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

std::string lease_store::key_of(std::string_view kind, std::string_view user,
                                std::string_view key) {
  return lease_key(kind, user, key);
}

} // namespace gh::nats
