#include "actors/payments/checkout_flow.hpp"

#include "actors/payments/stripe_events.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

namespace gh::payments {

namespace {

struct row {
  std::string status;
  std::string plan_id;
  std::string session_id;
  std::string url;
  int64_t expires_at = 0;
};

struct flow_state {
  checkout_options opt;
  user_key key;
  bool loaded = false;
  bool loading = false;
  bool asking_stripe = false;
  std::optional<row> current; ///< empty: the user has no such checkout
  std::vector<caf::response_promise> waiting;
};

using flow_self = caf::stateful_actor<flow_state>*;

std::string body_of(const flow_state& st) {
  const auto& r = *st.current;
  boost::json::object o;
  o["checkout_id"] = st.key.key;
  o["status"] = r.status;
  o["plan_id"] = r.plan_id;
  o["url"] = r.url;
  o["expires_at"] =
      to_rfc3339(std::chrono::system_clock::time_point{std::chrono::seconds{r.expires_at}});
  return boost::json::serialize(o);
}

void answer(flow_self self, caf::response_promise& rp) {
  if (self->state.current)
    rp.deliver(body_of(self->state));
  else
    rp.deliver(make_error(gh_errc::not_found));
}

void answer_waiting(flow_self self) {
  auto waiting = std::move(self->state.waiting);
  self->state.waiting.clear();
  for (auto& rp : waiting)
    answer(self, rp);
}

bool past_expiry(const flow_state& st) {
  return st.current && st.current->status == "open" &&
         unix_now() >= st.current->expires_at + st.opt.expiry_grace.count();
}

void ask_stripe(flow_self self);

/// Reads the checkout's row (the user's own only), then `next()`.
template <class Next>
void load(flow_self self, Next next) {
  const auto& key = self->state.key;
  self->state.loading = true;
  self->state.opt.db->query<std::optional<row>>(
      self, self->state.opt.db_timeout,
      [id = key.key, user = key.user_id](db::transaction& tx) {
        auto rows = tx.exec("SELECT status, plan_id::text, stripe_session_id, url, "
                            "extract(epoch FROM expires_at)::bigint::text FROM checkouts "
                            "WHERE id = $1::uuid AND user_id = $2::uuid",
                            {id, user});
        if (rows.empty())
          return std::optional<row>{};
        const auto& r = rows.front();
        return std::optional<row>{row{db::text(r, 0), db::text(r, 1), db::text(r, 2),
                                      db::text(r, 3), std::stoll(db::text(r, 4, "0"))}};
      },
      [self, next](caf::expected<std::optional<row>> loaded) mutable {
        self->state.loading = false;
        if (!loaded) {
          // The database is unreachable: answer what is known, or that it is unavailable.
          auto waiting = std::move(self->state.waiting);
          self->state.waiting.clear();
          for (auto& rp : waiting) {
            if (self->state.loaded)
              answer(self, rp);
            else
              rp.deliver(loaded.error());
          }
          return;
        }
        const bool first = !self->state.loaded;
        self->state.loaded = true;
        self->state.current = std::move(*loaded);
        if (first && self->state.current && self->state.current->status == "open") {
          // Wake up once the session can no longer be paid, to learn how it ended.
          const auto left =
              self->state.current->expires_at - unix_now() + self->state.opt.expiry_grace.count();
          self->delayed_send(self, std::chrono::seconds{std::max<int64_t>(left, 1)},
                             refresh_atom_v);
        }
        next();
        // Nothing to follow: end now rather than hold memory for a made-up id until the reap.
        if (!self->state.current)
          self->quit();
      });
}

/// Asks Stripe how an open checkout past its expiry ended and records it.
void ask_stripe(flow_self self) {
  if (self->state.asking_stripe || !self->state.current)
    return;
  self->state.asking_stripe = true;
  const auto session = self->state.current->session_id;
  self->state.opt.stripe->call(
      self, self->state.opt.stripe_timeout,
      [session](stripe::client& c) { return c.get("/v1/checkout/sessions/" + session); },
      [self](const stripe::result& fetched) {
        auto& st = self->state;
        std::string status;
        if (fetched.ok())
          if (auto decoded = decode_checkout_session(fetched.body);
              std::holds_alternative<checkout_session>(decoded))
            status = std::get<checkout_session>(decoded).status;
        if (status == "complete" && st.current) {
          // Paid: the webhook (or the reconcile job) records it with its subscription and
          // announces it; until then the answer says what Stripe said.
          st.current->status = status;
          st.asking_stripe = false;
          answer_waiting(self);
          return;
        }
        if (status != "expired") {
          st.asking_stripe = false;
          answer_waiting(self);
          return;
        }
        st.opt.db->transact(
            self, st.opt.db_timeout,
            [id = st.key.key](db::transaction& tx) {
              tx.exec("UPDATE checkouts SET status = 'expired', updated_at = now() "
                      "WHERE id = $1::uuid AND status = 'open'",
                      {id});
            },
            [self](const caf::error&) {
              self->state.asking_stripe = false;
              load(self, [self] { answer_waiting(self); });
            });
      });
}

/// Answers the waiting requests, after asking Stripe when the checkout is open past its expiry.
void settle(flow_self self) {
  if (past_expiry(self->state))
    ask_stripe(self);
  else
    answer_waiting(self);
}

caf::behavior checkout_flow(flow_self self, user_key key, checkout_options options) {
  self->state.key = std::move(key);
  self->state.opt = options;
  load(self, [self] { settle(self); });
  return {
      [self](status_atom) -> caf::response_promise {
        auto rp = self->make_response_promise();
        auto& st = self->state;
        if (!st.loaded) {
          st.waiting.push_back(rp);
          // The first load failed (the database was down): try again for this request.
          if (!st.loading)
            load(self, [self] { settle(self); });
          return rp;
        }
        if (past_expiry(st)) {
          st.waiting.push_back(rp);
          ask_stripe(self);
          return rp;
        }
        answer(self, rp);
        return rp;
      },
      [self](refresh_atom, const std::string& frame) {
        load(self, [self, frame] {
          if (self->state.current && !frame.empty())
            self->state.opt.sinks->push(self->state.key.user_id, frame);
          answer_waiting(self);
        });
      },
      [self](refresh_atom) {
        load(self, [self] {
          if (past_expiry(self->state))
            ask_stripe(self);
        });
      },
  };
}

} // namespace

caf::actor spawn_checkout_flow(caf::local_actor* parent, const user_key& key,
                               const checkout_options& options) {
  if (!is_uuid(key.key) || !is_uuid(key.user_id))
    return nullptr;
  return parent->spawn(checkout_flow, key, options);
}

user_actor_remote checkout_flow_remote(const checkout_options& options) {
  user_actor_remote r;
  r.outgoing = [sinks = options.sinks](const user_key& key, caf::message& msg,
                                       caf::response_promise& promise)
      -> std::optional<std::pair<std::string, user_actor_remote::answer_fn>> {
    if (msg.match_elements<refresh_atom, std::string>()) {
      // Every instance hears the event; the owner's actor reloads, here the frame reaches this
      // instance's WebSockets of the user.
      if (sinks != nullptr)
        sinks->push(key.user_id, msg.get_as<std::string>(1));
      return std::nullopt;
    }
    if (msg.match_elements<refresh_atom>())
      return std::pair{std::string{"refresh"},
                       user_actor_remote::answer_fn{[](const caf::expected<std::string>&) {}}};
    if (!msg.match_elements<status_atom>())
      return std::nullopt;
    return std::pair{
        std::string{"status"},
        user_actor_remote::answer_fn{[promise](const caf::expected<std::string>& answer) mutable {
          if (!answer) {
            promise.deliver(answer.error());
            return;
          }
          boost::system::error_code ec;
          auto v = boost::json::parse(*answer, ec);
          const auto* o = ec ? nullptr : v.if_object();
          const auto* body = o == nullptr ? nullptr : o->if_contains("body");
          const auto* code = o == nullptr ? nullptr : o->if_contains("error");
          if (body != nullptr && body->is_string())
            promise.deliver(std::string{body->as_string()});
          else if (code != nullptr && code->is_int64() && code->as_int64() > 0 &&
                   code->as_int64() <= static_cast<int64_t>(gh_errc::internal))
            promise.deliver(make_error(static_cast<gh_errc>(code->as_int64())));
          else
            promise.deliver(make_error(gh_errc::provider_unavailable));
        }}};
  };
  r.incoming = [timeout = options.db_timeout + options.stripe_timeout](
                   caf::event_based_actor* self, const caf::actor& actor, std::string_view text,
                   const user_actor_remote::reply_fn& reply) {
    if (text == "refresh") {
      self->send(actor, refresh_atom_v);
      reply("{}");
      return true;
    }
    if (text != "status")
      return false;
    self->request(actor, timeout, status_atom_v)
        .then(
            [reply](const std::string& body) {
              boost::json::object o;
              o["body"] = body;
              reply(boost::json::serialize(o));
            },
            [reply](caf::error& err) {
              boost::json::object o;
              o["error"] = err.category() == gh_error_category
                               ? static_cast<int64_t>(err.code())
                               : static_cast<int64_t>(gh_errc::provider_unavailable);
              reply(boost::json::serialize(o));
            });
    return true;
  };
  return r;
}

user_actor_kind checkout_flow_kind(const checkout_options& options,
                                   std::chrono::milliseconds idle) {
  return {[options](caf::local_actor* parent, const user_key& key) {
            return spawn_checkout_flow(parent, key, options);
          },
          idle,
          {},
          checkout_flow_remote(options)};
}

} // namespace gh::payments
