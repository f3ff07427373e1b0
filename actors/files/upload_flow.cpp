#include "actors/files/upload_flow.hpp"

#include "actors/files/file_rows.hpp"
#include "actors/outbox.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <optional>

namespace gh::files {

namespace {

enum class op : uint8_t { complete, remove, refresh };

struct queued {
  op what = op::refresh;
  std::optional<caf::response_promise> rp;
};

struct upload_state {
  upload_options opt;
  user_key key;
  bool loaded = false;
  std::optional<file_row> row; ///< empty: the user has no such file
  bool busy = false;
  std::deque<queued> queue;
};

using upload_self = caf::stateful_actor<upload_state>*;

void pump(upload_self self);

/// Answers the operation in progress and moves on to the next one; an actor with nothing left
/// to follow (no row, or a ready file) ends once its queue is empty.
void finish(upload_self self, gh_errc code, std::string text) {
  auto& st = self->state;
  if (!st.queue.empty()) {
    if (auto& rp = st.queue.front().rp)
      rp->deliver(static_cast<uint8_t>(code), std::move(text));
    st.queue.pop_front();
  }
  st.busy = false;
  if (st.queue.empty() && st.loaded && (!st.row || st.row->status == "ready")) {
    self->quit();
    return;
  }
  pump(self);
}

std::string json_of(upload_self self, const file_row& f) {
  const auto& opt = self->state.opt;
  return boost::json::serialize(file_json(f, *opt.store, unix_now(), opt.url_ttl));
}

/// Reads the row (the user's own only), then `next()`; a failed read answers the operation
/// with `provider_unavailable`.
template <class Next>
void load(upload_self self, Next next) {
  const auto& key = self->state.key;
  self->state.opt.db->query<std::optional<file_row>>(
      self, self->state.opt.db_timeout,
      [id = key.key, user = key.user_id](db::transaction& tx) {
        auto rows = tx.exec("SELECT " + file_columns +
                                " FROM files f WHERE f.id = $1::uuid AND f.user_id = $2::uuid",
                            {id, user});
        return rows.empty() ? std::optional<file_row>{} : file_row::from(rows.front());
      },
      [self, next](caf::expected<std::optional<file_row>> loaded) mutable {
        if (!loaded) {
          finish(self, gh_errc::provider_unavailable, "the database is unavailable");
          return;
        }
        self->state.loaded = true;
        self->state.row = std::move(*loaded);
        next();
      });
}

/// Deletes the row (a pending one only when `pending_only`) and releases its bytes, writing
/// `file.deleted` when `announce`, all in one transaction; then `next(deleted)`.
template <class Next>
void delete_row(upload_self self, bool pending_only, bool announce, Next next) {
  const auto& key = self->state.key;
  self->state.opt.db->query<bool>(
      self, self->state.opt.db_timeout,
      [id = key.key, user = key.user_id, pending_only, announce](db::transaction& tx) {
        auto rows = tx.exec("DELETE FROM files f WHERE f.id = $1::uuid AND f.user_id = $2::uuid "
                            "AND (NOT $3::boolean OR f.status = 'pending') RETURNING " +
                                file_columns,
                            {id, user, pending_only ? "true" : "false"});
        if (rows.empty())
          return false;
        const auto f = file_row::from(rows.front());
        tx.exec("UPDATE file_quotas SET reserved_bytes = GREATEST(reserved_bytes - $2::bigint, 0) "
                "WHERE user_id = $1::uuid",
                {user, std::to_string(f.size)});
        if (announce)
          events::write(tx, "file.deleted", f.tenant_id, event_data(f));
        return true;
      },
      [self, next](caf::expected<bool> deleted) mutable {
        if (!deleted) {
          finish(self, gh_errc::provider_unavailable, "the database is unavailable");
          return;
        }
        next(*deleted);
      });
}

void mark_ready(upload_self self) {
  const auto& key = self->state.key;
  self->state.opt.db->query<std::optional<file_row>>(
      self, self->state.opt.db_timeout,
      [id = key.key, user = key.user_id](db::transaction& tx) {
        auto rows = tx.exec("UPDATE files AS f SET status = 'ready', completed_at = now() "
                            "WHERE f.id = $1::uuid AND f.user_id = $2::uuid AND f.status = "
                            "'pending' RETURNING " +
                                file_columns,
                            {id, user});
        if (rows.empty())
          return std::optional<file_row>{};
        auto f = file_row::from(rows.front());
        events::write(tx, "file.uploaded", f.tenant_id, event_data(f));
        return std::optional<file_row>{std::move(f)};
      },
      [self](caf::expected<std::optional<file_row>> updated) {
        if (!updated) {
          finish(self, gh_errc::provider_unavailable, "the database is unavailable");
          return;
        }
        if (!*updated) {
          // Deleted or expired meanwhile (by another process): nothing to complete.
          self->state.row.reset();
          finish(self, gh_errc::not_found, "no such file");
          return;
        }
        self->state.row = std::move(*updated);
        finish(self, gh_errc::ok, json_of(self, *self->state.row));
      });
}

void verify_digest(upload_self self) {
  const auto& st = self->state;
  st.opt.calls->call<storage::object_digest>(
      self, st.opt.store_timeout,
      [key = st.row->storage_key](const storage::store& s) { return s.sha256(key); },
      [self](std::optional<storage::object_digest> digest) {
        if (!digest || digest->result == storage::outcome::unavailable) {
          finish(self, gh_errc::provider_unavailable, "the object store is unavailable");
          return;
        }
        const auto& row = *self->state.row;
        if (digest->result == storage::outcome::missing) {
          finish(self, gh_errc::conflict, "the file has not been uploaded yet");
          return;
        }
        if (digest->size != row.size || digest->sha256_hex != row.sha256) {
          finish(self, gh_errc::conflict, "the uploaded bytes do not match the declared SHA-256");
          return;
        }
        mark_ready(self);
      });
}

void complete(upload_self self) {
  auto& st = self->state;
  if (!st.row) {
    finish(self, gh_errc::not_found, "no such file");
    return;
  }
  if (st.row->status == "ready") {
    finish(self, gh_errc::ok, json_of(self, *st.row));
    return;
  }
  st.opt.calls->call<storage::object_info>(
      self, st.opt.store_timeout,
      [key = st.row->storage_key](const storage::store& s) { return s.stat(key); },
      [self](std::optional<storage::object_info> info) {
        if (!info || info->result == storage::outcome::unavailable) {
          finish(self, gh_errc::provider_unavailable, "the object store is unavailable");
          return;
        }
        const auto& row = *self->state.row;
        if (info->result == storage::outcome::missing) {
          finish(self, gh_errc::conflict, "the file has not been uploaded yet");
          return;
        }
        if (info->size != row.size) {
          finish(self, gh_errc::conflict,
                 "the uploaded file holds " + std::to_string(info->size) +
                     " bytes, not the declared " + std::to_string(row.size));
          return;
        }
        if (!row.sha256.empty())
          verify_digest(self);
        else
          mark_ready(self);
      });
}

/// Deletes the object (and any partial upload), then, with `after_object`, the row.
template <class Next>
void delete_object(upload_self self, Next after_object) {
  const auto& st = self->state;
  st.opt.calls->call<storage::outcome>(
      self, st.opt.store_timeout,
      [key = st.row->storage_key](const storage::store& s) { return s.remove(key); },
      [after_object](std::optional<storage::outcome> removed) mutable {
        after_object(removed && *removed == storage::outcome::ok);
      });
}

void remove(upload_self self) {
  if (!self->state.row) {
    finish(self, gh_errc::not_found, "no such file");
    return;
  }
  delete_object(self, [self](bool removed) {
    if (!removed) {
      finish(self, gh_errc::provider_unavailable, "the object store is unavailable");
      return;
    }
    delete_row(self, false, true, [self](bool deleted) {
      self->state.row.reset();
      finish(self, deleted ? gh_errc::ok : gh_errc::not_found, deleted ? "" : "no such file");
    });
  });
}

/// A pending upload past its expiry is cleaned up; one still running waits for its expiry.
void refresh(upload_self self) {
  auto& st = self->state;
  if (!st.row || st.row->status != "pending") {
    finish(self, gh_errc::ok, {});
    return;
  }
  const auto due = st.row->upload_expires_at + st.opt.expiry_grace.count();
  const auto now = unix_now();
  if (now < due) {
    self->delayed_send(self, std::chrono::seconds{due - now}, refresh_atom_v);
    finish(self, gh_errc::ok, {});
    return;
  }
  delete_object(self, [self](bool removed) {
    if (!removed) {
      // The store is unreachable: try again in a while; the row keeps the bytes reserved.
      self->delayed_send(self, std::chrono::seconds{30}, refresh_atom_v);
      finish(self, gh_errc::provider_unavailable, "the object store is unavailable");
      return;
    }
    delete_row(self, true, false, [self](bool deleted) {
      if (deleted)
        self->state.row.reset();
      else
        self->state.loaded = false; // completed meanwhile: read it again next time
      finish(self, gh_errc::ok, {});
    });
  });
}

void pump(upload_self self) {
  auto& st = self->state;
  if (st.busy || st.queue.empty())
    return;
  st.busy = true;
  const auto what = st.queue.front().what;
  const auto run = [self, what] {
    switch (what) {
    case op::complete:
      complete(self);
      return;
    case op::remove:
      remove(self);
      return;
    case op::refresh:
      refresh(self);
      return;
    }
  };
  // Every operation starts from the row as PostgreSQL holds it now (another process may have
  // changed it), except a refresh right after a load.
  if (what == op::refresh && st.loaded)
    run();
  else
    load(self, run);
}

caf::response_promise enqueue(upload_self self, op what) {
  auto rp = self->make_response_promise();
  self->state.queue.push_back({what, rp});
  pump(self);
  return rp;
}

caf::behavior upload_flow(upload_self self, user_key key, upload_options options) {
  self->state.key = std::move(key);
  self->state.opt = options;
  self->state.queue.push_back({op::refresh, std::nullopt});
  pump(self);
  return {
      [self](complete_atom) { return enqueue(self, op::complete); },
      [self](delete_atom) { return enqueue(self, op::remove); },
      [self](refresh_atom) {
        self->state.loaded = false;
        self->state.queue.push_back({op::refresh, std::nullopt});
        pump(self);
      },
  };
}

// --- the janitor --------------------------------------------------------------------------------

struct janitor_state {
  db::database* db = nullptr;
  caf::actor registry;
  std::chrono::milliseconds interval{60000};
  std::chrono::seconds grace{2};
};

caf::behavior janitor(caf::stateful_actor<janitor_state>* self, db::database* db,
                      caf::actor registry, std::chrono::milliseconds interval,
                      std::chrono::seconds grace) {
  self->state = {db, std::move(registry), interval, grace};
  self->send(self, sweep_atom_v, true);
  return {
      [self](sweep_atom, bool all) {
        auto& st = self->state;
        st.db->query<db::rows>(
            self, std::chrono::seconds{10},
            [all, grace = st.grace.count()](db::transaction& tx) {
              return tx.exec("SELECT user_id::text, id::text FROM files WHERE status = 'pending' "
                             "AND ($1::boolean OR upload_expires_at < now() - $2::bigint * "
                             "interval '1 second') ORDER BY upload_expires_at LIMIT 10000",
                             {all ? "true" : "false", std::to_string(grace)});
            },
            [self, all](caf::expected<db::rows> rows) {
              if (rows)
                for (const auto& r : *rows)
                  caf::anon_send(self->state.registry, forward_atom_v,
                                 user_key{std::string{upload_kind}, db::text(r, 0), db::text(r, 1)},
                                 caf::make_message(refresh_atom_v));
              // The first sweep is retried soon when the database was not there yet.
              const bool again = all && !rows;
              self->delayed_send(self,
                                 again ? std::chrono::milliseconds{2000} : self->state.interval,
                                 sweep_atom_v, again);
            });
      },
  };
}

} // namespace

caf::actor spawn_upload_flow(caf::local_actor* parent, const user_key& key,
                             const upload_options& options) {
  if (!is_uuid(key.key) || !is_uuid(key.user_id))
    return nullptr;
  return parent->spawn(upload_flow, key, options);
}

user_actor_kind upload_flow_kind(const upload_options& options, std::chrono::milliseconds idle) {
  return {[options](caf::local_actor* parent, const user_key& key) {
            return spawn_upload_flow(parent, key, options);
          },
          idle};
}

caf::actor spawn_upload_janitor(caf::actor_system& sys, db::database* db, caf::actor registry,
                                std::chrono::milliseconds interval, std::chrono::seconds grace) {
  return sys.spawn(janitor, db, std::move(registry), interval, grace);
}

} // namespace gh::files
