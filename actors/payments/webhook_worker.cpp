#include "actors/payments/webhook_worker.hpp"

#include "actors/outbox.hpp"
#include "actors/payments/stripe_events.hpp"
#include "config/log.hpp"
#include "messages/event_envelope.hpp"

namespace gh::payments {

namespace {

namespace json = boost::json;
using events::handled;
using events::outcome;

constexpr std::string_view prefix = "stripe.webhook.";

/// A user Gatehouse knows, with the tenant its events belong to.
struct owner {
  std::string id; ///< empty: nobody Gatehouse knows
  std::string tenant;
};

/// The user an object of Stripe customer `customer` belongs to: `metadata_user` when it names a
/// user, else the owner of the customer.
owner owner_of(db::transaction& tx, const std::string& metadata_user, const std::string& customer) {
  if (is_uuid(metadata_user)) {
    auto rows =
        tx.exec("SELECT id::text, tenant_id::text FROM users WHERE id = $1::uuid", {metadata_user});
    if (!rows.empty())
      return {db::text(rows.front(), 0), db::text(rows.front(), 1)};
  }
  if (customer.empty())
    return {};
  auto rows = tx.exec("SELECT u.id::text, u.tenant_id::text FROM stripe_customers c JOIN users u "
                      "ON u.id = c.user_id WHERE c.customer_id = $1",
                      {customer});
  return rows.empty() ? owner{} : owner{db::text(rows.front(), 0), db::text(rows.front(), 1)};
}

/// How the stored version of an object compares with an event's.
enum class order { newer, same, older };

order compare(db::transaction& tx, std::string_view table, std::string_view key_column,
              const std::string& key, int64_t version) {
  // Workers of several processes may see events of one new object at once: with no row to
  // lock yet, they take turns on the object's id instead.
  tx.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {key});
  auto rows = tx.exec("SELECT stripe_version FROM " + std::string{table} + " WHERE " +
                          std::string{key_column} + " = $1 FOR UPDATE",
                      {key});
  if (rows.empty())
    return order::newer;
  const auto stored = std::stoll(db::text(rows.front(), 0, "0"));
  return version > stored ? order::newer : version == stored ? order::same : order::older;
}

/// Records `sub` (Stripe's state as of `version`, an event's `created`) for its owner with the
/// order-safe upsert: an older version is skipped, a same-version tie is settled by fetching the
/// subscription from Stripe; publishes `subscription.updated` when it changed anything.
handled record_subscription(const event_envelope& event, subscription sub, bool deleted,
                            int64_t version, stripe::client* stripe, db::transaction& tx) {
  const auto user = owner_of(tx, sub.user_id, sub.customer);
  if (user.id.empty()) {
    log::info("stripe subscription of no known user skipped", {{"event", event.id}});
    return {outcome::done, {}};
  }
  const auto seen = compare(tx, "subscriptions", "stripe_subscription_id", sub.id, version);
  if (seen == order::older)
    return {outcome::done, {}};
  if (seen == order::same && stripe != nullptr) {
    // Two states in one second: Stripe's current one settles it.
    auto fresh = stripe->get("/v1/subscriptions/" + sub.id);
    if (fresh.error == gh_errc::provider_unavailable || fresh.error == gh_errc::not_configured)
      return {outcome::retry, fresh.detail};
    if (fresh.ok()) {
      auto refetched = decode_subscription(fresh.body);
      if (auto* e = std::get_if<object_error>(&refetched))
        return {outcome::retry, "Stripe's subscription " + e->field + " " + e->message};
      sub = std::get<subscription>(std::move(refetched));
    } else if (!deleted) {
      return {outcome::retry, fresh.detail};
    }
  }
  if (deleted)
    sub.status = "canceled";
  auto plan = tx.exec("SELECT id::text FROM plans WHERE stripe_price_id = $1", {sub.price_id});
  const db::param plan_id = plan.empty() ? db::param{} : db::param{db::text(plan.front(), 0)};
  const auto id = subscription_uuid(sub.id);
  // A concurrent insert of the same subscription by another worker is ordered here too. `old`
  // is the row as it was (a WITH sees the statement's snapshot): only a change is announced.
  auto applied = tx.exec(
      "WITH old AS (SELECT status, plan_id, current_period_end, cancel_at_period_end "
      "FROM subscriptions WHERE stripe_subscription_id = $3) "
      "INSERT INTO subscriptions (id, user_id, stripe_subscription_id, stripe_customer_id, "
      "plan_id, status, current_period_end, cancel_at_period_end, stripe_version) "
      "VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid, $6, "
      "CASE WHEN $7::bigint > 0 THEN to_timestamp($7::bigint) END, $8::boolean, $9::bigint) "
      "ON CONFLICT (stripe_subscription_id) DO UPDATE SET plan_id = EXCLUDED.plan_id, "
      "status = EXCLUDED.status, current_period_end = EXCLUDED.current_period_end, "
      "cancel_at_period_end = EXCLUDED.cancel_at_period_end, "
      "stripe_version = EXCLUDED.stripe_version, updated_at = now() "
      "WHERE subscriptions.stripe_version <= EXCLUDED.stripe_version "
      "RETURNING (NOT EXISTS (SELECT 1 FROM old o WHERE o.status = subscriptions.status AND "
      "o.plan_id IS NOT DISTINCT FROM subscriptions.plan_id AND o.current_period_end IS NOT "
      "DISTINCT FROM subscriptions.current_period_end AND o.cancel_at_period_end = "
      "subscriptions.cancel_at_period_end))::text",
      {id, user.id, sub.id, sub.customer, plan_id, sub.status,
       std::to_string(sub.current_period_end), sub.cancel_at_period_end ? "true" : "false",
       std::to_string(version)});
  if (applied.empty() || db::text(applied.front(), 0) != "true")
    return {outcome::done, {}};
  json::object data;
  data["user_id"] = user.id;
  data["plan_id"] = plan_id ? json::value(*plan_id) : json::value(nullptr);
  data["subscription_id"] = id;
  data["status"] = sub.status;
  events::write(tx, "subscription.updated", user.tenant, std::move(data));
  return {outcome::done, {}};
}

handled apply_subscription(const event_envelope& event, const json::object& object,
                           std::string_view type, int64_t created, stripe::client* stripe,
                           db::transaction& tx) {
  auto decoded = decode_subscription(object);
  if (auto* e = std::get_if<object_error>(&decoded))
    return {outcome::dead, "data.object." + e->field + " " + e->message};
  return record_subscription(event, std::get<subscription>(std::move(decoded)),
                             type == "customer.subscription.deleted", created, stripe, tx);
}

/// The subscription a completed Checkout Session of `user_id` created, fetched from Stripe and
/// recorded as of the completion event (`version`), so the paid user has it whether or not a
/// `customer.subscription.*` event ever arrives (Stripe promises neither their order nor that
/// the endpoint subscribes to them). A later event still wins; an earlier one is older.
handled record_checkout_subscription(const event_envelope& event, const std::string& sub_id,
                                     const std::string& user_id, int64_t version,
                                     stripe::client* stripe, db::transaction& tx) {
  auto fetched = stripe->get("/v1/subscriptions/" + sub_id);
  if (fetched.error == gh_errc::not_found)
    return {outcome::done, {}}; // gone at Stripe already: its deletion event says the rest
  if (!fetched.ok())
    return {outcome::retry, fetched.detail};
  auto decoded = decode_subscription(fetched.body);
  if (auto* e = std::get_if<object_error>(&decoded))
    return {outcome::retry, "Stripe's subscription " + e->field + " " + e->message};
  auto sub = std::get<subscription>(std::move(decoded));
  if (sub.id != sub_id)
    return {outcome::retry, "Stripe answered another subscription"};
  if (sub.user_id.empty())
    sub.user_id = user_id;
  return record_subscription(event, std::move(sub), false, version, stripe, tx);
}

handled apply_session(const event_envelope& event, const json::object& object,
                      std::string_view type, int64_t created, stripe::client* stripe,
                      db::transaction& tx) {
  auto decoded = decode_checkout_session(object);
  if (auto* e = std::get_if<object_error>(&decoded))
    return {outcome::dead, "data.object." + e->field + " " + e->message};
  const auto& s = std::get<checkout_session>(decoded);
  if (type == "checkout.session.expired") {
    tx.exec("UPDATE checkouts SET status = 'expired', updated_at = now() "
            "WHERE stripe_session_id = $1 AND status = 'open'",
            {s.id});
    return {outcome::done, {}};
  }
  // Completion: the payment went through, so it also wins over an expiry noted by Gatehouse.
  auto rows = tx.exec("UPDATE checkouts k SET status = 'complete', stripe_subscription_id = $2, "
                      "updated_at = now() FROM users u WHERE u.id = k.user_id AND "
                      "k.stripe_session_id = $1 AND k.status <> 'complete' "
                      "RETURNING k.id::text, k.user_id::text, k.plan_id::text, u.tenant_id::text",
                      {s.id, s.subscription.empty() ? db::param{} : db::param{s.subscription}});
  if (rows.empty())
    return {outcome::done, {}}; // completed before, or a session Gatehouse did not open
  const auto& row = rows.front();
  json::object data;
  data["user_id"] = db::text(row, 1);
  data["checkout_id"] = db::text(row, 0);
  data["plan_id"] = db::text(row, 2);
  data["subscription_id"] = s.subscription.empty() ? json::value(nullptr)
                                                   : json::value(subscription_uuid(s.subscription));
  data["status"] = "complete";
  events::write(tx, "payment.completed", db::text(row, 3), std::move(data));
  log::info("checkout completed", {{"event", event.id}});
  if (s.subscription.empty() || stripe == nullptr)
    return {outcome::done, {}};
  // Stripe unreachable: the whole completion waits for the retry (its writes roll back).
  return record_checkout_subscription(event, s.subscription, db::text(row, 1), created, stripe, tx);
}

handled apply_invoice(const event_envelope& event, const json::object& object, int64_t created,
                      db::transaction& tx) {
  auto decoded = decode_invoice(object);
  if (auto* e = std::get_if<object_error>(&decoded))
    return {outcome::dead, "data.object." + e->field + " " + e->message};
  const auto& inv = std::get<invoice>(decoded);
  const auto user = owner_of(tx, {}, inv.customer);
  if (user.id.empty()) {
    log::info("stripe invoice of no known user skipped", {{"event", event.id}});
    return {outcome::done, {}};
  }
  // Invoices settle forward (draft, open, paid or void); a same-second pair applies in arrival
  // order, except that a paid invoice never goes back to draft or open.
  const auto seen = compare(tx, "invoices", "stripe_invoice_id", inv.id, created);
  if (seen == order::older)
    return {outcome::done, {}};
  tx.exec("INSERT INTO invoices (id, user_id, stripe_invoice_id, stripe_subscription_id, "
          "payment_intent_id, amount_due, amount_paid, currency, status, hosted_invoice_url, "
          "created, stripe_version) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::bigint, "
          "$7::bigint, $8, $9, $10, to_timestamp($11::bigint), $12::bigint) "
          "ON CONFLICT (stripe_invoice_id) DO UPDATE SET "
          "stripe_subscription_id = EXCLUDED.stripe_subscription_id, "
          "payment_intent_id = EXCLUDED.payment_intent_id, amount_due = EXCLUDED.amount_due, "
          "amount_paid = EXCLUDED.amount_paid, currency = EXCLUDED.currency, "
          "status = EXCLUDED.status, "
          "hosted_invoice_url = EXCLUDED.hosted_invoice_url, "
          "stripe_version = EXCLUDED.stripe_version, updated_at = now() "
          "WHERE invoices.stripe_version <= EXCLUDED.stripe_version AND NOT "
          "(invoices.status = 'paid' AND EXCLUDED.status IN ('draft', 'open'))",
          {invoice_uuid(inv.id), user.id, inv.id,
           inv.subscription.empty() ? db::param{} : db::param{inv.subscription},
           inv.payment_intent.empty() ? db::param{} : db::param{inv.payment_intent},
           std::to_string(inv.amount_due), std::to_string(inv.amount_paid), inv.currency,
           inv.status,
           inv.hosted_invoice_url.empty() ? db::param{} : db::param{inv.hosted_invoice_url},
           std::to_string(inv.created), std::to_string(created)});
  return {outcome::done, {}};
}

handled apply_refund(const json::object& object, db::transaction& tx) {
  auto decoded = decode_charge(object);
  if (auto* e = std::get_if<object_error>(&decoded))
    return {outcome::dead, "data.object." + e->field + " " + e->message};
  const auto& c = std::get<charge>(decoded);
  if (c.payment_intent.empty())
    return {outcome::done, {}};
  tx.exec("INSERT INTO payment_refunds (payment_intent_id, amount_refunded) "
          "VALUES ($1, $2::bigint) ON CONFLICT (payment_intent_id) DO UPDATE SET "
          "amount_refunded = GREATEST(payment_refunds.amount_refunded, EXCLUDED.amount_refunded), "
          "updated_at = now()",
          {c.payment_intent, std::to_string(c.amount_refunded)});
  return {outcome::done, {}};
}

handled apply(stripe::client* stripe, const event_envelope& event, db::transaction& tx) {
  if (!event.type.starts_with(prefix))
    return {outcome::dead, "not a stripe.webhook.* event"};
  const auto type = std::string_view{event.type}.substr(prefix.size());
  const auto* created = event.data.if_contains("created");
  const auto* data = event.data.if_contains("data");
  const json::object* object = nullptr;
  if (data != nullptr && data->is_object())
    if (const auto* o = data->get_object().if_contains("object"); o != nullptr && o->is_object())
      object = &o->get_object();
  if (created == nullptr || !created->is_int64() || object == nullptr)
    return {outcome::dead, "data must be a Stripe event with created and data.object"};
  const auto when = created->get_int64();
  if (type == "checkout.session.completed" || type == "checkout.session.expired")
    return apply_session(event, *object, type, when, stripe, tx);
  if (type == "customer.subscription.created" || type == "customer.subscription.updated" ||
      type == "customer.subscription.deleted")
    return apply_subscription(event, *object, type, when, stripe, tx);
  // `invoice.upcoming` previews an invoice that does not exist yet: nothing to store.
  if (type.starts_with("invoice.") && type != "invoice.upcoming") {
    const auto* kind = object->if_contains("object");
    if (kind != nullptr && kind->is_string() && kind->get_string() == "invoice")
      return apply_invoice(event, *object, when, tx);
    return {outcome::done, {}};
  }
  if (type == "charge.refunded")
    return apply_refund(*object, tx);
  return {outcome::done, {}};
}

} // namespace

events::consumer_spec stripe_consumer(stripe::client* stripe) {
  events::consumer_spec spec;
  spec.name = "stripe";
  spec.stream = "PAYMENTS";
  spec.subject = "stripe.webhook.>";
  // A same-second tie asks Stripe inside the batch (at most about 28 s a call): the ack wait
  // leaves room for a few, and an outage is waited out for about an hour. A batch that still
  // outlives it is delivered again, and `processed_events` keeps its events from applying twice.
  spec.ack_wait = std::chrono::seconds{120};
  spec.max_deliveries = 12;
  spec.backoff = {std::chrono::seconds{1},   std::chrono::seconds{5}, std::chrono::seconds{30},
                  std::chrono::seconds{120}, std::chrono::minutes{5}, std::chrono::minutes{10}};
  spec.handler = [stripe](const event_envelope& event, const events::delivery_info&,
                          db::transaction& tx) { return apply(stripe, event, tx); };
  return spec;
}

} // namespace gh::payments
