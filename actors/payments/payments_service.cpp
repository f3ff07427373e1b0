#include "actors/payments/payments_service.hpp"

#include "actors/minute_budget.hpp"
#include "actors/payments/checkout_flow.hpp"
#include "actors/payments/plans.hpp"
#include "actors/payments/requests.hpp"
#include "actors/payments/stripe_events.hpp"
#include "actors/replies.hpp"
#include "actors/service_actor.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace gh::payments {

namespace json = boost::json;

namespace {

using replies::req_ptr;

constexpr std::string_view time_format = R"('YYYY-MM-DD"T"HH24:MI:SS"Z"')";

std::string utc(std::string_view column) {
  return "to_char(" + std::string{column} + " AT TIME ZONE 'UTC', " + std::string{time_format} +
         ")";
}

json::value nullable(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

/// The columns of a subscription as the API shows it.
std::string subscription_columns() {
  return "s.id::text, s.plan_id::text, s.status, " + utc("s.current_period_end") +
         ", s.cancel_at_period_end::text";
}

json::object subscription_json(const db::row& r) {
  json::object o;
  o["id"] = db::text(r, 0);
  o["plan_id"] = nullable(r.at(1));
  o["status"] = db::text(r, 2);
  o["current_period_end"] = nullable(r.at(3));
  o["cancel_at_period_end"] = db::text(r, 4) == "true";
  return o;
}

struct payments_state {
  payments_options opt;
  /// Requests that reach Stripe, per user and minute, counted in this process.
  minute_budget stripe_calls;
};

using self_ptr = caf::stateful_actor<payments_state>*;

class payments_service {
public:
  explicit payments_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    if (!r->auth.is_user()) {
      r->reply->fail(gh_errc::unauthorized, "sign in first");
      return;
    }
    if (!opt_.stripe->configured()) {
      r->reply->fail(gh_errc::not_configured, "payments are not configured (STRIPE_SECRET_KEY)");
      return;
    }
    const auto& route = r->route;
    if (r->method == "POST" && !spend_budget(r))
      return;
    if (route == "/api/v1/plans")
      list_plans(r);
    else if (route == "/api/v1/plans/checkout")
      start_checkout(r);
    else if (route == "/api/v1/checkout/{checkout_id}")
      checkout_status(r);
    else if (route == "/api/v1/billing/portal")
      open_portal(r);
    else if (route == "/api/v1/subscriptions")
      list_subscriptions(r);
    else if (route == "/api/v1/subscriptions/{id}/cancel")
      cancel_subscription(r);
    else if (route == "/api/v1/invoices")
      list_invoices(r);
    else
      r->reply->fail(gh_errc::not_found, "no such payments route");
  }

private:
  /// Counts a request that may call Stripe against the user's budget for the minute; answers
  /// 429 and returns false when it is spent. One user cannot take the Stripe callers (or the
  /// account's Stripe rate limit) from everyone else.
  bool spend_budget(const req_ptr& r) {
    return self_->state.stripe_calls.spend(r, opt_.stripe_calls_per_minute,
                                           "too many payment requests; try again later");
  }

  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  template <class Fn, class Next>
  void stripe(const req_ptr& r, Fn fn, Next next) {
    replies::call_stripe(self_, opt_.stripe, opt_.stripe_timeout, r, std::move(fn),
                         std::move(next));
  }

  // --- plans --------------------------------------------------------------------------------

  void list_plans(const req_ptr& r) {
    query<db::rows>(
        r,
        [tenant = r->auth.tenant_id](db::transaction& tx) {
          return tx.exec("SELECT " + std::string{plan_columns} +
                             " FROM plans p WHERE p.active AND p.tenant_id = $1::uuid "
                             "ORDER BY p.created_at, p.id",
                         {tenant});
        },
        [r](const db::rows& rows) {
          json::array list;
          for (const auto& row : rows)
            list.push_back(plan_json(row, false));
          replies::json(r, 200, list);
        });
  }

  // --- checkout -----------------------------------------------------------------------------

  struct checkout_context {
    bool plan_found = false;
    std::string price_id;
    std::string customer_id; ///< empty: none yet
    std::optional<std::string> email;
    std::optional<std::string> name;
    int64_t recent = 0; ///< checkouts started in the last hour
  };

  void start_checkout(const req_ptr& r) {
    auto decoded = decode_checkout(r->body, opt_.redirect_origins);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      r->reply->fail(gh_errc::validation, "the checkout request is invalid", std::move(*errors));
      return;
    }
    auto req = std::get<checkout_request>(std::move(decoded));
    if (req.success_url.empty())
      req.success_url = opt_.public_url + "/?checkout=complete";
    if (req.cancel_url.empty())
      req.cancel_url = opt_.public_url + "/?checkout=cancelled";
    query<checkout_context>(
        r,
        [user = r->auth.user_id, tenant = r->auth.tenant_id,
         plan = req.plan_id](db::transaction& tx) {
          checkout_context c;
          auto p = tx.exec("SELECT stripe_price_id FROM plans WHERE id = $1::uuid "
                           "AND tenant_id = $2::uuid AND active",
                           {plan, tenant});
          if (p.empty())
            return c;
          c.plan_found = true;
          c.price_id = db::text(p.front(), 0);
          auto u = tx.exec("SELECT u.email, u.name, sc.customer_id, (SELECT count(*) FROM "
                           "checkouts k WHERE k.user_id = u.id AND k.created_at > now() - "
                           "interval '1 hour')::text FROM users u LEFT JOIN stripe_customers sc "
                           "ON sc.user_id = u.id WHERE u.id = $1::uuid",
                           {user});
          if (!u.empty()) {
            c.email = u.front().at(0);
            c.name = u.front().at(1);
            c.customer_id = db::text(u.front(), 2);
            c.recent = std::stoll(db::text(u.front(), 3, "0"));
          }
          return c;
        },
        [this, r, req](const checkout_context& c) {
          if (!c.plan_found) {
            r->reply->fail(gh_errc::not_found, "no such plan");
            return;
          }
          if (c.recent >= opt_.checkouts_per_hour) {
            replies::problem(r, gh_errc::rate_limited, "too many checkouts started; try later",
                             {{"Retry-After", "600"}});
            return;
          }
          with_customer(r, c, [this, r, req, price = c.price_id](const std::string& customer) {
            create_session(r, req, price, customer);
          });
        });
  }

  /// The user's Stripe customer, created (once: the idempotency key is the user's) and stored
  /// when there is none yet; then `next(customer id)`.
  template <class Next>
  void with_customer(const req_ptr& r, const checkout_context& c, Next next) {
    if (!c.customer_id.empty()) {
      next(c.customer_id);
      return;
    }
    stripe::form params{{"metadata[user_id]", r->auth.user_id}};
    if (c.email)
      params.emplace_back("email", *c.email);
    if (c.name)
      params.emplace_back("name", *c.name);
    stripe(
        r,
        // One customer per user even when two checkouts race; the details are part of the key,
        // so a changed email within Stripe's 24 h key window is not refused as a reused key.
        [params, key = "gh-customer-" + r->auth.user_id + "-" +
                       crypto::sha256_hex(stripe::encode_form(params)).substr(0, 16)](
            stripe::client& s) { return s.post("/v1/customers", params, key); },
        [this, r, next](stripe::result created) mutable {
          const auto* id = created.body.if_contains("id");
          if (id == nullptr || !id->is_string() || !is_object_id(id->get_string(), "cus")) {
            r->reply->fail(gh_errc::provider_unavailable, "Stripe answered without a customer id");
            return;
          }
          query<std::string>(
              r,
              [user = r->auth.user_id,
               customer = std::string{id->get_string()}](db::transaction& tx) {
                tx.exec("INSERT INTO stripe_customers (user_id, customer_id) VALUES "
                        "($1::uuid, $2) ON CONFLICT (user_id) DO NOTHING",
                        {user, customer});
                auto rows = tx.exec("SELECT customer_id FROM stripe_customers WHERE user_id = "
                                    "$1::uuid",
                                    {user});
                return rows.empty() ? customer : db::text(rows.front(), 0);
              },
              [next](std::string customer) mutable { next(std::move(customer)); });
        });
  }

  void create_session(const req_ptr& r, const checkout_request& req, const std::string& price,
                      const std::string& customer) {
    const auto checkout_id = crypto::random_uuid();
    const auto& user = r->auth.user_id;
    const stripe::form params{{"mode", "subscription"},
                              {"customer", customer},
                              {"line_items[0][price]", price},
                              {"line_items[0][quantity]", "1"},
                              {"client_reference_id", user},
                              {"metadata[user_id]", user},
                              {"metadata[checkout_id]", checkout_id},
                              {"metadata[plan_id]", req.plan_id},
                              {"subscription_data[metadata][user_id]", user},
                              {"subscription_data[metadata][plan_id]", req.plan_id},
                              {"success_url", req.success_url},
                              {"cancel_url", req.cancel_url}};
    stripe(
        r,
        [params, key = "gh-checkout-" + checkout_id](stripe::client& s) {
          return s.post("/v1/checkout/sessions", params, key);
        },
        [this, r, checkout_id, plan = req.plan_id](const stripe::result& created) {
          auto decoded = decode_checkout_session(created.body);
          auto* session = std::get_if<checkout_session>(&decoded);
          if (session == nullptr || session->url.empty() || session->expires_at <= 0) {
            r->reply->fail(gh_errc::provider_unavailable,
                           "Stripe answered an unusable Checkout Session");
            return;
          }
          query<bool>(
              r,
              [user = r->auth.user_id, checkout_id, plan, s = *session](db::transaction& tx) {
                tx.exec("INSERT INTO checkouts (id, user_id, plan_id, stripe_session_id, url, "
                        "status, expires_at) VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, "
                        "'open', to_timestamp($6::bigint))",
                        {checkout_id, user, plan, s.id, s.url, std::to_string(s.expires_at)});
                return true;
              },
              [this, r, checkout_id, s = *session](bool) {
                // The checkout's own actor starts now and follows it from here on.
                caf::anon_send(opt_.registry, forward_atom_v,
                               user_key{std::string{checkout_kind}, r->auth.user_id, checkout_id},
                               caf::make_message(refresh_atom_v));
                json::object body;
                body["checkout_id"] = checkout_id;
                body["url"] = s.url;
                body["expires_at"] = to_rfc3339(
                    std::chrono::system_clock::time_point{std::chrono::seconds{s.expires_at}});
                replies::json(r, 201, body);
              });
        });
  }

  void checkout_status(const req_ptr& r) {
    const std::string id{r->param("checkout_id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such checkout");
      return;
    }
    self_
        ->request(opt_.registry, opt_.db_timeout + opt_.stripe_timeout, forward_atom_v,
                  user_key{std::string{checkout_kind}, r->auth.user_id, id},
                  caf::make_message(status_atom_v))
        .then(
            [r](const std::string& body) {
              r->reply->respond({200, "application/json", body, {}});
            },
            [r](const caf::error& err) {
              if (err.category() == gh_error_category &&
                  static_cast<gh_errc>(err.code()) == gh_errc::not_found) {
                r->reply->fail(gh_errc::not_found, "no such checkout");
                return;
              }
              replies::failure(r, err);
            });
  }

  // --- portal, subscriptions, invoices ------------------------------------------------------

  void open_portal(const req_ptr& r) {
    auto decoded = decode_portal(r->body, opt_.redirect_origins);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      r->reply->fail(gh_errc::validation, "the portal request is invalid", std::move(*errors));
      return;
    }
    auto req = std::get<portal_request>(std::move(decoded));
    if (req.return_url.empty())
      req.return_url = opt_.public_url + "/";
    query<std::string>(
        r,
        [user = r->auth.user_id](db::transaction& tx) {
          auto rows =
              tx.exec("SELECT customer_id FROM stripe_customers WHERE user_id = $1::uuid", {user});
          return rows.empty() ? std::string{} : db::text(rows.front(), 0);
        },
        [this, r, req](std::string customer) {
          if (customer.empty()) {
            r->reply->fail(gh_errc::not_found,
                           "there is no billing account yet; start a checkout first");
            return;
          }
          stripe(
              r,
              [customer, url = req.return_url](stripe::client& s) {
                return s.post("/v1/billing_portal/sessions",
                              {{"customer", customer}, {"return_url", url}}, {});
              },
              [r](stripe::result created) {
                const auto* url = created.body.if_contains("url");
                if (url == nullptr || !url->is_string() || !is_redirect_url(url->get_string())) {
                  r->reply->fail(gh_errc::provider_unavailable,
                                 "Stripe answered without a portal URL");
                  return;
                }
                replies::json(r, 200, json::object{{"url", url->get_string()}});
              });
        });
  }

  void list_subscriptions(const req_ptr& r) {
    query<db::rows>(
        r,
        [user = r->auth.user_id](db::transaction& tx) {
          return tx.exec("SELECT " + subscription_columns() +
                             " FROM subscriptions s WHERE s.user_id = $1::uuid "
                             "ORDER BY s.created_at, s.id",
                         {user});
        },
        [r](const db::rows& rows) {
          json::array list;
          for (const auto& row : rows)
            list.push_back(subscription_json(row));
          replies::json(r, 200, list);
        });
  }

  void cancel_subscription(const req_ptr& r) {
    auto decoded = decode_cancel(r->body);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      r->reply->fail(gh_errc::validation, "the cancel request is invalid", std::move(*errors));
      return;
    }
    const auto req = std::get<cancel_request>(decoded);
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such subscription");
      return;
    }
    query<std::string>(
        r,
        [user = r->auth.user_id, id](db::transaction& tx) {
          auto rows = tx.exec("SELECT stripe_subscription_id FROM subscriptions "
                              "WHERE id = $1::uuid AND user_id = $2::uuid",
                              {id, user});
          return rows.empty() ? std::string{} : db::text(rows.front(), 0);
        },
        [this, r, id, req](const std::string& stripe_id) {
          if (stripe_id.empty()) {
            r->reply->fail(gh_errc::not_found, "no such subscription");
            return;
          }
          stripe(
              r,
              // A fresh key per request (its retries share it): a cancel after a reactivation
              // acts again instead of replaying the first answer.
              [stripe_id, at_end = req.at_period_end](stripe::client& s) {
                if (at_end)
                  return s.post("/v1/subscriptions/" + stripe_id,
                                {{"cancel_at_period_end", "true"}}, {});
                return s.del("/v1/subscriptions/" + stripe_id);
              },
              [this, r, id](const stripe::result& updated) { record_cancel(r, id, updated.body); });
        });
  }

  /// Stores the state Stripe answered and returns it. The row's version stays: the webhook of
  /// this change orders it among the others when it arrives.
  void record_cancel(const req_ptr& r, const std::string& id, const json::object& object) {
    auto decoded = decode_subscription(object);
    auto* sub = std::get_if<subscription>(&decoded);
    if (sub == nullptr) {
      r->reply->fail(gh_errc::provider_unavailable, "Stripe answered an unusable subscription");
      return;
    }
    query<db::rows>(
        r,
        [user = r->auth.user_id, id, s = *sub](db::transaction& tx) {
          tx.exec("UPDATE subscriptions SET status = $3, cancel_at_period_end = $4::boolean, "
                  "current_period_end = CASE WHEN $5::bigint > 0 THEN to_timestamp($5::bigint) "
                  "ELSE current_period_end END, updated_at = now() "
                  "WHERE id = $1::uuid AND user_id = $2::uuid",
                  {id, user, s.status, s.cancel_at_period_end ? "true" : "false",
                   std::to_string(s.current_period_end)});
          return tx.exec("SELECT " + subscription_columns() +
                             " FROM subscriptions s WHERE s.id = $1::uuid AND s.user_id = $2::uuid",
                         {id, user});
        },
        [r](const db::rows& rows) {
          if (rows.empty()) {
            r->reply->fail(gh_errc::not_found, "no such subscription");
            return;
          }
          replies::json(r, 200, subscription_json(rows.front()));
        });
  }

  void list_invoices(const req_ptr& r) {
    query<db::rows>(
        r,
        [user = r->auth.user_id](db::transaction& tx) {
          return tx.exec(
              "SELECT i.id::text, i.amount_due::text, i.amount_paid::text, i.currency, i.status, "
              "i.hosted_invoice_url, " +
                  utc("i.created") +
                  ", COALESCE(pr.amount_refunded, 0)::text FROM invoices i LEFT JOIN "
                  "payment_refunds pr ON pr.payment_intent_id = i.payment_intent_id "
                  "WHERE i.user_id = $1::uuid ORDER BY i.created DESC, i.id LIMIT 100",
              {user});
        },
        [r](const db::rows& rows) {
          json::array list;
          for (const auto& row : rows) {
            json::object o;
            o["id"] = db::text(row, 0);
            o["amount_due"] = std::stoll(db::text(row, 1, "0"));
            o["amount_paid"] = std::stoll(db::text(row, 2, "0"));
            o["currency"] = db::text(row, 3);
            o["status"] = db::text(row, 4);
            o["hosted_invoice_url"] = nullable(row.at(5));
            o["created"] = db::text(row, 6);
            o["amount_refunded"] = std::stoll(db::text(row, 7, "0"));
            list.push_back(std::move(o));
          }
          replies::json(r, 200, list);
        });
  }

  self_ptr self_;
  payments_options& opt_;
};

} // namespace

http_handler_actor spawn_payments(caf::actor_system& sys, payments_options options) {
  return spawn_service<payments_service, payments_state>(sys, std::move(options));
}

const std::vector<route_entry>& routes() {
  static const std::vector<route_entry> all{
      {"GET", "/api/v1/plans", body_kind::none},
      {"POST", "/api/v1/plans/checkout", body_kind::json},
      {"GET", "/api/v1/checkout/{checkout_id}", body_kind::none},
      {"POST", "/api/v1/billing/portal", body_kind::none},
      {"GET", "/api/v1/subscriptions", body_kind::none},
      {"POST", "/api/v1/subscriptions/{id}/cancel", body_kind::none},
      {"GET", "/api/v1/invoices", body_kind::none},
  };
  return all;
}

} // namespace gh::payments
