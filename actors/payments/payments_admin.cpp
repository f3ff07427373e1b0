#include "actors/payments/payments_admin.hpp"

#include "actors/audit.hpp"
#include "actors/payments/plans.hpp"
#include "actors/payments/requests.hpp"
#include "actors/replies.hpp"
#include "actors/service_actor.hpp"
#include "crypto/crypto.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace gh::payments {

namespace json = boost::json;

namespace {

using replies::req_ptr;

struct payments_admin_state {
  payments_admin_options opt;
};

using admin_self = caf::stateful_actor<payments_admin_state>*;

/// Plans and refunds for operators: Stripe is asked first, then the database records it.
class payments_admin_service {
public:
  explicit payments_admin_service(admin_self self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    opt_.keys.check_route(self_, admin_routes(), r,
                          [this, r](const api_keys::caller& who) { serve(r, who); });
  }

private:
  void serve(const req_ptr& r, const api_keys::caller& who) {
    const auto& route = r->route;
    if (route == "/api/v1/admin/plans" && r->method == "POST")
      create_plan(r, who);
    else if (route == "/api/v1/admin/plans")
      list_plans(r);
    else if (route == "/api/v1/admin/plans/{id}/archive")
      archive_plan(r, who);
    else if (route == "/api/v1/admin/payments/{payment_intent_id}/refund")
      refund(r, who);
    else
      r->reply->fail(gh_errc::not_found, "no such admin route");
  }

  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  static void validation_failed(const req_ptr& r, field_errors errors) {
    r->reply->fail(gh_errc::validation, "the request is invalid", std::move(errors));
  }

  template <class Fn, class Next>
  void stripe(const req_ptr& r, Fn fn, Next next) {
    replies::call_stripe(self_, opt_.stripe, opt_.stripe_timeout, r, std::move(fn),
                         std::move(next));
  }

  static std::string id_of(const stripe::result& res) {
    const auto* id = res.body.if_contains("id");
    return id != nullptr && id->is_string() ? std::string{id->get_string()} : std::string{};
  }

  void create_plan(const req_ptr& r, const api_keys::caller& who) {
    auto decoded = decode_new_plan(r->body);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto plan = std::get<new_plan>(std::move(decoded));
    const auto id = crypto::random_uuid();
    // The product and the price carry the plan id as their idempotency keys' root, so a retried
    // call never makes a second one.
    stripe(
        r,
        [plan, id](stripe::client& s) {
          auto product = s.post("/v1/products", {{"name", plan.name}, {"metadata[plan_id]", id}},
                                "gh-product-" + id);
          if (!product.ok())
            return product;
          const auto product_id = id_of(product);
          auto price = s.post("/v1/prices",
                              {{"product", product_id},
                               {"unit_amount", std::to_string(plan.amount)},
                               {"currency", plan.currency},
                               {"recurring[interval]", plan.interval},
                               {"metadata[plan_id]", id}},
                              "gh-price-" + id);
          if (price.ok())
            price.body["product"] = product_id; // what the next step stores
          return price;
        },
        [this, r, who, plan, id](stripe::result price) {
          const auto price_id = id_of(price);
          const auto* product = price.body.if_contains("product");
          if (price_id.empty() || product == nullptr || !product->is_string()) {
            r->reply->fail(gh_errc::provider_unavailable, "Stripe answered without ids");
            return;
          }
          query<db::rows>(
              r,
              [r, who, plan, id, price_id, product_id = std::string{product->get_string()},
               tenant = opt_.tenant_id](db::transaction& tx) {
                auto rows =
                    tx.exec("INSERT INTO plans (id, tenant_id, name, amount, currency, interval, "
                            "stripe_product_id, stripe_price_id) VALUES ($1::uuid, $2::uuid, $3, "
                            "$4::bigint, $5, $6, $7, $8) RETURNING " +
                                std::string{plan_columns},
                            {id, tenant, plan.name, std::to_string(plan.amount), plan.currency,
                             plan.interval, product_id, price_id});
                json::object details;
                details["name"] = plan.name;
                details["amount"] = plan.amount;
                details["currency"] = plan.currency;
                details["interval"] = plan.interval;
                audit::write(tx, *r, tenant, who.actor(), "plan.created", id, details);
                return rows;
              },
              [r](const db::rows& rows) { replies::json(r, 201, plan_json(rows.at(0), true)); });
        });
  }

  void list_plans(const req_ptr& r) {
    query<db::rows>(
        r,
        [](db::transaction& tx) {
          return tx.exec("SELECT " + std::string{plan_columns} +
                         " FROM plans p ORDER BY p.created_at, p.id");
        },
        [r](const db::rows& rows) {
          json::array list;
          for (const auto& row : rows)
            list.push_back(plan_json(row, true));
          replies::json(r, 200, list);
        });
  }

  void archive_plan(const req_ptr& r, const api_keys::caller& who) {
    const std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such plan");
      return;
    }
    query<db::rows>(
        r,
        [id](db::transaction& tx) {
          return tx.exec("SELECT stripe_product_id, stripe_price_id FROM plans WHERE id = $1::uuid",
                         {id});
        },
        [this, r, who, id](db::rows found) {
          if (found.empty()) {
            r->reply->fail(gh_errc::not_found, "no such plan");
            return;
          }
          // Stripe stops selling it first; the plan then leaves the users' list.
          stripe(
              r,
              [product = db::text(found.front(), 0),
               price = db::text(found.front(), 1)](stripe::client& s) {
                auto out =
                    s.post("/v1/prices/" + price, {{"active", "false"}}, "gh-archive-" + price);
                if (out.ok())
                  out = s.post("/v1/products/" + product, {{"active", "false"}},
                               "gh-archive-" + product);
                return out;
              },
              [this, r, who, id](const stripe::result& /*archived*/) {
                query<db::rows>(
                    r,
                    [r, who, id, tenant = opt_.tenant_id](db::transaction& tx) {
                      auto rows = tx.exec("UPDATE plans SET active = false, archived_at = "
                                          "COALESCE(archived_at, now()) WHERE id = $1::uuid "
                                          "RETURNING " +
                                              std::string{plan_columns},
                                          {id});
                      audit::write(tx, *r, tenant, who.actor(), "plan.archived", id);
                      return rows;
                    },
                    [r](const db::rows& rows) {
                      if (rows.empty())
                        r->reply->fail(gh_errc::not_found, "no such plan");
                      else
                        replies::json(r, 200, plan_json(rows.front(), true));
                    });
              });
        });
  }

  void refund(const req_ptr& r, const api_keys::caller& who) {
    const std::string payment_intent{r->param("payment_intent_id")};
    if (!is_payment_intent_id(payment_intent)) {
      r->reply->fail(gh_errc::not_found, "no such payment (a PaymentIntent id, pi_...)");
      return;
    }
    auto decoded = decode_refund(r->body);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      validation_failed(r, std::move(*errors));
      return;
    }
    const auto req = std::get<refund_request>(decoded);
    // The same refund asked twice (a double click, a retried request) refunds once; a caller
    // who means a second identical refund sends its own Idempotency-Key.
    const auto* given = r->header("idempotency-key");
    const auto key = given != nullptr && !given->empty() && given->size() <= 255
                         ? "gh-refund-" + crypto::sha256_hex(payment_intent + "\n" + *given)
                         : "gh-refund-" + payment_intent + "-" +
                               (req.amount ? std::to_string(*req.amount) : std::string{"rest"});
    stripe::form params{{"payment_intent", payment_intent}};
    if (req.amount)
      params.emplace_back("amount", std::to_string(*req.amount));
    stripe(
        r, [params, key](stripe::client& s) { return s.post("/v1/refunds", params, key); },
        [this, r, who, payment_intent](stripe::result refunded) {
          const auto refund_id = id_of(refunded);
          const auto* amount = refunded.body.if_contains("amount");
          const auto* status = refunded.body.if_contains("status");
          if (refund_id.empty() || amount == nullptr || !amount->is_int64() || status == nullptr ||
              !status->is_string()) {
            r->reply->fail(gh_errc::provider_unavailable, "Stripe answered an unusable refund");
            return;
          }
          json::object body;
          body["id"] = refund_id;
          body["payment_intent"] = payment_intent;
          body["amount"] = amount->get_int64();
          body["status"] = status->get_string();
          query<bool>(
              r,
              [r, who, body](db::transaction& tx) {
                tx.exec("INSERT INTO refunds (stripe_refund_id, payment_intent_id, amount, status, "
                        "requested_by) VALUES ($1, $2, $3::bigint, $4, $5) ON CONFLICT "
                        "(stripe_refund_id) DO NOTHING",
                        {std::string{body.at("id").get_string()},
                         std::string{body.at("payment_intent").get_string()},
                         std::to_string(body.at("amount").get_int64()),
                         std::string{body.at("status").get_string()}, who.actor()});
                audit::write(tx, *r, {}, who.actor(), "payment.refunded",
                             std::string{body.at("payment_intent").get_string()}, body);
                return true;
              },
              [r, body](bool) { replies::json(r, 201, body); });
        });
  }

  admin_self self_;
  payments_admin_options& opt_;
};

} // namespace

http_handler_actor spawn_payments_admin(caf::actor_system& sys, payments_admin_options options) {
  return spawn_service<payments_admin_service, payments_admin_state>(sys, std::move(options));
}

const std::vector<api_keys::key_route>& admin_routes() {
  static const std::vector<api_keys::key_route> all{
      {"POST", "/api/v1/admin/plans", body_kind::json, "plans:write"},
      {"GET", "/api/v1/admin/plans", body_kind::none, "plans:write"},
      {"POST", "/api/v1/admin/plans/{id}/archive", body_kind::none, "plans:write"},
      {"POST", "/api/v1/admin/payments/{payment_intent_id}/refund", body_kind::none,
       "payments:refund"},
  };
  return all;
}

} // namespace gh::payments
