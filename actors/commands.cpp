#include "actors/commands.hpp"

#include "messages/decode.hpp"
#include "messages/problem.hpp"
#include "messages/type_ids.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <caf/send.hpp>

#include <atomic>

namespace gh {

namespace {

/// The responder of a request a command makes: hands the answer (or the problem of a failure)
/// to `next`, once; destroyed unanswered, it answers 500 like the gateway's own responder.
class command_responder final : public responder {
public:
  command_responder(std::string request_id, std::function<void(http_response)> next)
      : request_id_(std::move(request_id)), next_(std::move(next)) {}

  ~command_responder() override {
    if (!done_.exchange(true))
      deliver_problem(gh_errc::internal, "the request was not answered", {});
  }

  command_responder(const command_responder&) = delete;
  command_responder& operator=(const command_responder&) = delete;

  void respond(http_response res) override {
    if (!done_.exchange(true))
      next_(std::move(res));
  }

  void fail(gh_errc code, std::string detail, std::vector<field_error> errors) override {
    if (!done_.exchange(true))
      deliver_problem(code, std::move(detail), std::move(errors));
  }

private:
  void deliver_problem(gh_errc code, std::string detail, std::vector<field_error> errors) {
    const auto p = make_problem(code, std::move(detail), request_id_, std::move(errors));
    next_(http_response{p.status, "application/problem+json", to_json(p), {}});
  }

  std::string request_id_;
  std::function<void(http_response)> next_;
  std::atomic<bool> done_{false};
};

} // namespace

void command_reply::fail(gh_errc code, std::string detail, std::vector<field_error> errors) {
  problem(to_json(make_problem(code, std::move(detail), {}, std::move(errors))));
}

void ask_route(const http_handler_actor& handler, route_call rc, const command_call& caller,
               std::function<void(http_response)> next) {
  http_request req;
  req.method = std::move(rc.method);
  req.route = std::move(rc.route);
  req.path = std::move(rc.path);
  if (!rc.body.empty())
    req.headers.emplace_back("content-type", "application/json");
  req.body = std::move(rc.body);
  req.request_id = caller.request_id;
  req.remote_ip = caller.remote_ip;
  req.params = std::move(rc.params);
  req.auth = caller.who;
  req.reply = std::make_shared<command_responder>(caller.request_id, std::move(next));
  caf::anon_send(handler, std::move(req));
}

void answer_from(command_reply& reply, http_response res) {
  if (res.status < 200 || res.status > 299) {
    reply.problem(std::move(res.body));
    return;
  }
  command_headers kept;
  for (auto& [name, value] : res.headers)
    if (decode::ascii_lower(name) == "set-cookie")
      kept.emplace_back(std::move(name), std::move(value));
  if (res.body.empty())
    reply.result("null", std::move(kept));
  else if (res.content_type.starts_with("application/json"))
    reply.result(std::move(res.body), std::move(kept));
  else // not JSON: the text as a JSON string, so the reply frame stays well-formed
    reply.result(boost::json::serialize(boost::json::value(res.body)), std::move(kept));
}

command_handler via_route(http_handler_actor handler,
                          std::function<route_call(const command_call&)> make) {
  return [handler = std::move(handler), make = std::move(make)](command_call&& call) {
    auto reply = call.reply;
    ask_route(handler, make(call), call,
              [reply](http_response res) { answer_from(*reply, std::move(res)); });
  };
}

command_handler via_route(http_handler_actor handler, std::string method, std::string route) {
  return via_route(std::move(handler),
                   [method = std::move(method), route = std::move(route)](const command_call&) {
                     return route_call{method, route, route, {}, {}};
                   });
}

namespace {

class text_reply final : public command_reply {
public:
  explicit text_reply(std::function<void(std::string)> send) : send_(std::move(send)) {}
  text_reply(const text_reply&) = delete;
  text_reply& operator=(const text_reply&) = delete;
  ~text_reply() override {
    if (!answered_.exchange(true))
      send("problem", to_json(make_problem(gh_errc::internal, "the command was not answered")));
  }

  void result(std::string json, command_headers /*headers*/) override {
    if (!answered_.exchange(true))
      send("result", json);
  }
  void problem(std::string problem_json) override {
    if (!answered_.exchange(true))
      send("problem", problem_json);
  }

private:
  void send(std::string_view field, const std::string& json) {
    boost::json::object o;
    o[field] = json;
    send_(boost::json::serialize(o));
  }

  std::function<void(std::string)> send_;
  std::atomic<bool> answered_{false};
};

} // namespace

std::shared_ptr<command_reply> reply_as_text(std::function<void(std::string)> send) {
  return std::make_shared<text_reply>(std::move(send));
}

void answer_from_text(command_reply& reply, const caf::expected<std::string>& text) {
  if (text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(*text, ec);
    if (const auto* o = ec ? nullptr : v.if_object(); o != nullptr && o->size() == 1) {
      if (const auto* r = o->if_contains("result"); r != nullptr && r->is_string()) {
        reply.result(std::string{r->as_string()});
        return;
      }
      if (const auto* p = o->if_contains("problem"); p != nullptr && p->is_string()) {
        reply.problem(std::string{p->as_string()});
        return;
      }
    }
  }
  reply.fail(gh_errc::provider_unavailable,
             "the instance that holds this session did not answer; try again");
}

} // namespace gh
