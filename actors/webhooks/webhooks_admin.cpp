#include "actors/webhooks/webhooks_admin.hpp"

#include "actors/audit.hpp"
#include "actors/replies.hpp"
#include "actors/service_actor.hpp"
#include "actors/webhooks/requests.hpp"
#include "actors/webhooks/sender.hpp"
#include "crypto/crypto.hpp"
#include "crypto/standard_webhooks.hpp"
#include "messages/event_envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace gh::webhooks {

namespace json = boost::json;

namespace {

using replies::req_ptr;

// ORDER BY clauses name table-qualified columns: a bare `id` would sort the `id::text` output.

/// The columns of an endpoint an operator sees (never a secret), then `created_at` in
/// microseconds for cursors.
constexpr std::string_view endpoint_columns =
    "w.id::text, w.url, array_to_string(w.events, ','), w.description, w.enabled::text, "
    "to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "to_char(w.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "(extract(epoch FROM w.created_at) * 1000000)::bigint::text";

constexpr std::string_view delivery_columns =
    "d.id::text, d.event_id::text, d.event_type, d.status, d.attempts::text, "
    "d.last_status::text, d.last_error, "
    "to_char(d.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "(extract(epoch FROM d.created_at) * 1000000)::bigint::text";

constexpr std::string_view at_cursor =
    "(timestamptz 'epoch' + $1::bigint * interval '1 microsecond')";

json::object endpoint_json(const db::row& row) {
  json::object o;
  o["id"] = db::text(row, 0);
  o["url"] = db::text(row, 1);
  json::array events;
  for (const auto& e : api_keys::split_scopes(db::text(row, 2)))
    events.emplace_back(e);
  o["events"] = std::move(events);
  if (row.size() > 3 && row[3])
    o["description"] = *row[3];
  o["enabled"] = db::text(row, 4) == "true";
  o["created_at"] = db::text(row, 5);
  o["updated_at"] = db::text(row, 6);
  return o;
}

json::object delivery_json(const db::row& row) {
  json::object o;
  o["id"] = db::text(row, 0);
  o["event_id"] = db::text(row, 1);
  o["event_type"] = db::text(row, 2);
  o["status"] = db::text(row, 3);
  o["attempts"] = std::stoi(db::text(row, 4, "0"));
  if (row[5])
    o["last_status"] = std::stoi(*row[5]);
  else
    o["last_status"] = nullptr;
  if (row[6])
    o["last_error"] = *row[6];
  if (row[7])
    o["next_attempt_at"] = *row[7];
  o["created_at"] = db::text(row, 8);
  return o;
}

/// `{"a","b"}`: patterns hold only characters that need no quoting inside double quotes.
std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& i : items)
    out += (out.size() == 1 ? "\"" : ",\"") + i + "\"";
  return out + "}";
}

struct webhooks_admin_state {
  webhooks_admin_options opt;
};

using self_ptr = caf::stateful_actor<webhooks_admin_state>*;

/// Endpoints and deliveries for operators.
class webhooks_admin_service {
public:
  explicit webhooks_admin_service(self_ptr self) : self_(self), opt_(self->state.opt) {}

  void handle(http_request& in) {
    auto r = std::make_shared<http_request>(std::move(in));
    opt_.keys.check_route(self_, admin_routes(), r,
                          [this, r](const api_keys::caller& who) { serve(r, who); });
  }

private:
  void serve(const req_ptr& r, const api_keys::caller& who) {
    const auto& route = r->route;
    const auto& m = r->method;
    if (route == "/api/v1/admin/webhooks" && m == "POST")
      create(r, who);
    else if (route == "/api/v1/admin/webhooks")
      list(r);
    else if (route == "/api/v1/admin/webhooks/{id}" && m == "PATCH")
      change(r, who);
    else if (route == "/api/v1/admin/webhooks/{id}" && m == "DELETE")
      remove(r, who);
    else if (route == "/api/v1/admin/webhooks/{id}")
      show(r);
    else if (route == "/api/v1/admin/webhooks/{id}/rotate-secret")
      rotate(r, who);
    else if (route == "/api/v1/admin/webhooks/{id}/deliveries")
      deliveries(r);
    else if (route == "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry")
      retry(r, who);
    else
      r->reply->fail(gh_errc::not_found, "no such admin route");
  }

  template <class T, class Work, class Next>
  void query(const req_ptr& r, Work work, Next next) {
    replies::query<T>(self_, *opt_.db, opt_.db_timeout, r, std::move(work), std::move(next));
  }

  static void invalid(const req_ptr& r, field_errors errors) {
    r->reply->fail(gh_errc::validation, "the request is invalid", std::move(errors));
  }

  /// The endpoint id of the route, or nothing after answering 404.
  static std::optional<std::string> endpoint_id(const req_ptr& r) {
    std::string id{r->param("id")};
    if (!is_uuid(id)) {
      r->reply->fail(gh_errc::not_found, "no such webhook endpoint");
      return std::nullopt;
    }
    return id;
  }

  /// Resolves the URL's host and checks every address (this actor's own thread blocks); false
  /// after answering 400.
  bool reachable(const req_ptr& r, const endpoint_url& url) const {
    const auto checked = resolve_checked(url, opt_.policy);
    if (checked.problem.empty())
      return true;
    invalid(r, {{"url", checked.problem}});
    return false;
  }

  void create(const req_ptr& r, const api_keys::caller& who) {
    auto decoded = decode_new_endpoint(r->body, opt_.policy);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      invalid(r, std::move(*errors));
      return;
    }
    auto ep = std::get<new_endpoint>(std::move(decoded));
    if (!reachable(r, ep.parsed))
      return;
    const auto id = crypto::random_uuid();
    const auto secret = standard_webhooks::new_secret();
    const auto sealed = crypto::seal(opt_.seal_key, secret, seal_context(id));
    query<db::rows>(
        r,
        [r, who, ep, id, sealed, tenant = opt_.tenant_id](db::transaction& tx) {
          std::optional<std::string> description = ep.description;
          auto rows = tx.exec(
              "INSERT INTO webhook_endpoints AS w (id, tenant_id, url, events, description, "
              "secret_sealed) VALUES ($1::uuid, $2::uuid, $3, $4::text[], $5, $6) RETURNING " +
                  std::string{endpoint_columns},
              {id, tenant, ep.url, array_literal(ep.events), description, sealed});
          json::object details;
          details["url"] = ep.url;
          details["events"] = json::array(ep.events.begin(), ep.events.end());
          audit::write(tx, *r, tenant, who.actor(), "webhook.created", id, details);
          return rows;
        },
        [r, secret](const db::rows& rows) {
          auto body = endpoint_json(rows.at(0));
          body["secret"] = secret;
          replies::json(r, 201, body);
        });
  }

  void list(const req_ptr& r) {
    auto decoded = decode_endpoint_list(r->query);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      invalid(r, std::move(*errors));
      return;
    }
    const auto q = std::get<list_query>(decoded);
    query<db::rows>(
        r,
        [q](db::transaction& tx) {
          const auto limit = std::to_string(q.limit + 1);
          if (q.after)
            return tx.exec("SELECT " + std::string{endpoint_columns} +
                               " FROM webhook_endpoints w WHERE (w.created_at, w.id) > (" +
                               std::string{at_cursor} +
                               ", $2::uuid) ORDER BY w.created_at, w.id LIMIT $3::int",
                           {std::to_string(q.after->created_us), q.after->id, limit});
          return tx.exec("SELECT " + std::string{endpoint_columns} +
                             " FROM webhook_endpoints w ORDER BY w.created_at, w.id LIMIT $1::int",
                         {limit});
        },
        [r, q](const db::rows& rows) { page(r, rows, q.limit, endpoint_json, 7); });
  }

  /// Answers `{items, next_cursor}` from `rows` (one more than `limit` when a next page exists);
  /// `micros_column` holds each row's creation time for the cursor.
  template <class ToJson>
  static void page(const req_ptr& r, const db::rows& rows, int limit, ToJson to_json,
                   std::size_t micros_column) {
    json::array items;
    const auto shown = std::min(rows.size(), static_cast<std::size_t>(limit));
    for (std::size_t i = 0; i < shown; ++i)
      items.push_back(to_json(rows[i]));
    json::object body;
    body["items"] = std::move(items);
    if (rows.size() > shown) {
      const auto& last = rows[shown - 1];
      body["next_cursor"] =
          encode_cursor({std::stoll(db::text(last, micros_column, "0")), db::text(last, 0)});
    } else {
      body["next_cursor"] = nullptr;
    }
    replies::json(r, 200, body);
  }

  void show(const req_ptr& r) {
    const auto id = endpoint_id(r);
    if (!id)
      return;
    query<db::rows>(
        r,
        [id = *id](db::transaction& tx) {
          return tx.exec("SELECT " + std::string{endpoint_columns} +
                             " FROM webhook_endpoints w WHERE w.id = $1::uuid",
                         {id});
        },
        [r](const db::rows& rows) { one(r, rows); });
  }

  static void one(const req_ptr& r, const db::rows& rows) {
    if (rows.empty())
      r->reply->fail(gh_errc::not_found, "no such webhook endpoint");
    else
      replies::json(r, 200, endpoint_json(rows.front()));
  }

  void change(const req_ptr& r, const api_keys::caller& who) {
    const auto id = endpoint_id(r);
    if (!id)
      return;
    auto decoded = decode_endpoint_patch(r->body, opt_.policy);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      invalid(r, std::move(*errors));
      return;
    }
    auto p = std::get<endpoint_patch>(std::move(decoded));
    if (p.parsed && !reachable(r, *p.parsed))
      return;
    query<db::rows>(
        r,
        [r, who, p, id = *id, tenant = opt_.tenant_id](db::transaction& tx) {
          std::optional<std::string> events;
          if (p.events)
            events = array_literal(*p.events);
          std::optional<std::string> enabled;
          if (p.enabled)
            enabled = *p.enabled ? "true" : "false";
          std::optional<std::string> description;
          if (p.description && !p.description->empty())
            description = *p.description;
          auto rows = tx.exec(
              "UPDATE webhook_endpoints w SET url = coalesce($2, w.url), events = "
              "coalesce($3::text[], w.events), enabled = coalesce($4::boolean, w.enabled), "
              "description = CASE WHEN $5::boolean THEN $6 ELSE w.description END, updated_at = "
              "now() WHERE w.id = $1::uuid RETURNING " +
                  std::string{endpoint_columns},
              {id, p.url, events, enabled, p.description ? "true" : "false", description});
          if (!rows.empty()) {
            json::object details;
            if (p.url)
              details["url"] = *p.url;
            if (p.events)
              details["events"] = json::array(p.events->begin(), p.events->end());
            if (p.enabled)
              details["enabled"] = *p.enabled;
            audit::write(tx, *r, tenant, who.actor(), "webhook.updated", id, details);
            // Deliveries held back while it was disabled are due again.
            if (p.enabled && *p.enabled)
              tx.exec("SELECT pg_notify($1, '')", {std::string{notify_channel}});
          }
          return rows;
        },
        [r](const db::rows& rows) { one(r, rows); });
  }

  void remove(const req_ptr& r, const api_keys::caller& who) {
    const auto id = endpoint_id(r);
    if (!id)
      return;
    query<bool>(
        r,
        [r, who, id = *id, tenant = opt_.tenant_id](db::transaction& tx) {
          const auto gone =
              tx.exec("DELETE FROM webhook_endpoints WHERE id = $1::uuid RETURNING url", {id});
          if (gone.empty())
            return false;
          json::object details;
          details["url"] = db::text(gone.front(), 0);
          audit::write(tx, *r, tenant, who.actor(), "webhook.deleted", id, details);
          return true;
        },
        [r](bool gone) {
          if (gone)
            replies::empty(r);
          else
            r->reply->fail(gh_errc::not_found, "no such webhook endpoint");
        });
  }

  void rotate(const req_ptr& r, const api_keys::caller& who) {
    const auto id = endpoint_id(r);
    if (!id)
      return;
    const auto secret = standard_webhooks::new_secret();
    const auto sealed = crypto::seal(opt_.seal_key, secret, seal_context(*id));
    query<bool>(
        r,
        [r, who, id = *id, sealed, tenant = opt_.tenant_id,
         ttl = std::to_string(opt_.previous_secret_ttl.count())](db::transaction& tx) {
          // The secret being replaced keeps signing beside the new one for the grace period.
          const auto rows = tx.exec(
              "UPDATE webhook_endpoints SET previous_secret_sealed = secret_sealed, "
              "previous_secret_until = now() + make_interval(hours => $3::int), secret_sealed = "
              "$2, updated_at = now() WHERE id = $1::uuid RETURNING id",
              {id, sealed, ttl});
          if (rows.empty())
            return false;
          audit::write(tx, *r, tenant, who.actor(), "webhook.secret_rotated", id);
          return true;
        },
        [r, secret](bool found) {
          if (!found) {
            r->reply->fail(gh_errc::not_found, "no such webhook endpoint");
            return;
          }
          json::object body;
          body["secret"] = secret;
          replies::json(r, 200, body);
        });
  }

  void deliveries(const req_ptr& r) {
    const auto id = endpoint_id(r);
    if (!id)
      return;
    auto decoded = decode_delivery_list(r->query);
    if (auto* errors = std::get_if<field_errors>(&decoded)) {
      invalid(r, std::move(*errors));
      return;
    }
    const auto q = std::get<list_query>(decoded);
    query<std::optional<db::rows>>(
        r,
        [q, id = *id](db::transaction& tx) -> std::optional<db::rows> {
          if (tx.exec("SELECT 1 FROM webhook_endpoints WHERE id = $1::uuid", {id}).empty())
            return std::nullopt;
          std::optional<std::string> micros;
          std::optional<std::string> after;
          if (q.after) {
            micros = std::to_string(q.after->created_us);
            after = q.after->id;
          }
          return tx.exec(
              "SELECT " + std::string{delivery_columns} +
                  " FROM webhook_deliveries d WHERE d.endpoint_id = $3::uuid AND ($4::text IS "
                  "NULL OR d.status = $4) AND ($1::bigint IS NULL OR (d.created_at, d.id) < (" +
                  std::string{at_cursor} +
                  ", $2::uuid)) ORDER BY d.created_at DESC, d.id DESC LIMIT $5::int",
              {micros, after, id, q.status, std::to_string(q.limit + 1)});
        },
        [r, q](const std::optional<db::rows>& rows) {
          if (!rows)
            r->reply->fail(gh_errc::not_found, "no such webhook endpoint");
          else
            page(r, *rows, q.limit, delivery_json, 9);
        });
  }

  void retry(const req_ptr& r, const api_keys::caller& who) {
    const auto id = endpoint_id(r);
    if (!id)
      return;
    const std::string delivery{r->param("delivery_id")};
    if (!is_uuid(delivery)) {
      r->reply->fail(gh_errc::not_found, "no such delivery");
      return;
    }
    query<bool>(
        r,
        [r, who, id = *id, delivery, tenant = opt_.tenant_id](db::transaction& tx) {
          // Due now; a lease in flight is left alone, so two attempts never overlap.
          const auto rows = tx.exec(
              "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), "
              "updated_at = now() WHERE id = $1::uuid AND endpoint_id = $2::uuid RETURNING id",
              {delivery, id});
          if (rows.empty())
            return false;
          json::object details;
          details["delivery_id"] = delivery;
          audit::write(tx, *r, tenant, who.actor(), "webhook.delivery_retried", id, details);
          tx.exec("SELECT pg_notify($1, '')", {std::string{notify_channel}});
          return true;
        },
        [r](bool found) {
          if (found)
            replies::json(r, 202, json::object{{"status", "pending"}});
          else
            r->reply->fail(gh_errc::not_found, "no such delivery");
        });
  }

  self_ptr self_;
  webhooks_admin_options& opt_;
};

caf::behavior webhooks_admin_impl(caf::stateful_actor<webhooks_admin_state>* self,
                                  webhooks_admin_options options) {
  return service_impl<webhooks_admin_service, webhooks_admin_state>(self, std::move(options));
}

} // namespace

http_handler_actor spawn_webhooks_admin(caf::actor_system& sys, webhooks_admin_options options) {
  // Detached: checking a URL looks its host up, which blocks this actor's own thread only.
  return caf::actor_cast<http_handler_actor>(
      sys.spawn<caf::detached>(webhooks_admin_impl, std::move(options)));
}

const std::vector<api_keys::key_route>& admin_routes() {
  static const std::vector<api_keys::key_route> all{
      {"POST", "/api/v1/admin/webhooks", body_kind::json, "webhooks:write"},
      {"GET", "/api/v1/admin/webhooks", body_kind::none, "webhooks:read"},
      {"GET", "/api/v1/admin/webhooks/{id}", body_kind::none, "webhooks:read"},
      {"PATCH", "/api/v1/admin/webhooks/{id}", body_kind::json, "webhooks:write"},
      {"DELETE", "/api/v1/admin/webhooks/{id}", body_kind::none, "webhooks:write"},
      {"POST", "/api/v1/admin/webhooks/{id}/rotate-secret", body_kind::none, "webhooks:write"},
      {"GET", "/api/v1/admin/webhooks/{id}/deliveries", body_kind::none, "webhooks:read"},
      {"POST", "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry", body_kind::none,
       "webhooks:write"},
  };
  return all;
}

} // namespace gh::webhooks
