#include "actors/payments/commands.hpp"

#include "messages/decode.hpp"
#include "messages/event_envelope.hpp"
#include "messages/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace gh::payments {

namespace {

route_call checkout_of(const std::string& plan_id) {
  return {"POST",
          "/api/v1/plans/checkout",
          "/api/v1/plans/checkout",
          {},
          boost::json::serialize(boost::json::object{{"plan_id", plan_id}})};
}

/// The id of the plan named `name` (case-insensitively) in the plan list `body`, or empty.
std::string plan_named(std::string_view body, std::string_view name) {
  auto parsed = parse_untrusted_json(body);
  const auto* list = std::get_if<boost::json::value>(&parsed);
  if (list == nullptr || !list->is_array())
    return {};
  const auto wanted = decode::ascii_lower(name);
  for (const auto& plan : list->as_array()) {
    const auto* o = plan.if_object();
    if (o == nullptr)
      continue;
    const auto* plan_name = o->if_contains("name");
    const auto* id = o->if_contains("id");
    if (plan_name != nullptr && plan_name->is_string() && id != nullptr && id->is_string() &&
        decode::ascii_lower(plan_name->as_string()) == wanted)
      return std::string{id->as_string()};
  }
  return {};
}

/// `/checkout <plan>`: a plan id goes to the checkout route as it is; a name is looked up in
/// the caller's plan list first.
command_handler checkout_handler(http_handler_actor payments) {
  return [payments = std::move(payments)](command_call&& call) {
    const std::string plan{call.args.at("plan").as_string()};
    auto reply = call.reply;
    if (is_uuid(plan)) {
      ask_route(payments, checkout_of(plan), call,
                [reply](http_response res) { answer_from(*reply, std::move(res)); });
      return;
    }
    ask_route(payments, {"GET", "/api/v1/plans", "/api/v1/plans", {}, {}}, call,
              [payments, plan, caller = call](http_response res) mutable {
                if (res.status != 200) {
                  answer_from(*caller.reply, std::move(res));
                  return;
                }
                const auto id = plan_named(res.body, plan);
                if (id.empty()) {
                  caller.reply->fail(gh_errc::not_found,
                                     "no plan named \"" + plan + "\"; /plans lists them");
                  return;
                }
                ask_route(
                    payments, checkout_of(id), caller,
                    [to = caller.reply](http_response next) { answer_from(*to, std::move(next)); });
              });
  };
}

} // namespace

void add_commands(app& a, const http_handler_actor& payments) {
  a.add_command(
      {"plans", {}, "the plans you can subscribe to", via_route(payments, "GET", "/api/v1/plans")});
  a.add_command({"checkout",
                 {{"plan", arg_kind::word, true, 0, 0}},
                 "subscribe to a plan (its id or name): opens Stripe's checkout page",
                 checkout_handler(payments)});
  a.add_command({"subscriptions",
                 {},
                 "your subscriptions",
                 via_route(payments, "GET", "/api/v1/subscriptions")});
}

} // namespace gh::payments
