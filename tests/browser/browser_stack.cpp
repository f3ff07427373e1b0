// What the browser tests drive: Gatehouse started as a process on a known port (its public URL,
// so cookie sessions and the WebSocket's Origin check hold) with a scratch database, a
// nats-server of its own and the fake Stripe, plus an operator's plan "Pro". With `--oidc` it also
// starts the OpenID providers of tests/support/oidc/ and configures them as Gatehouse's
// providers `alpha` (issuer a) and `beta` (issuer b). Prints one JSON line {"url", "plan_id"}
// (with `--oidc` also "issuers": [a, b]); then answers commands on stdin, one per line:
//   complete         pays the newest open checkout at the fake Stripe and delivers the signed
//                    webhooks Stripe would send (checkout.session.completed and
//                    customer.subscription.created); prints "ok" or "error <why>"
//   quit             stops everything (so does the end of stdin)
#include "tests/support/fake_stripe.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/oidc_peer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/services.hpp"

#include <boost/json.hpp>
#include <pqxx/connection>
#include <pqxx/nontransaction>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;
using namespace gh::test;

constexpr const char* webhook_secret = "whsec_gatehouse_browser_tests";
constexpr const char* admin_key = "bootstrap-admin-key-for-browser-tests";

/// Gatehouse's settings for the peer's issuers a and b as providers `alpha` and `beta`.
std::map<std::string, std::string> oidc_settings(const oidc_peer& peer) {
  return {{"OIDC_PROVIDERS", "alpha,beta"},
          {"OIDC_ALPHA_ISSUER", peer.a().issuer},
          {"OIDC_ALPHA_CLIENT_ID", peer.a().client_id},
          {"OIDC_ALPHA_CLIENT_SECRET", peer.a().client_secret},
          {"OIDC_BETA_ISSUER", peer.b().issuer},
          {"OIDC_BETA_CLIENT_ID", peer.b().client_id},
          {"OIDC_BETA_CLIENT_SECRET", peer.b().client_secret}};
}

struct stack {
  std::string data_dir;
  scratch_database db;
  nats_server nats;
  fake_stripe stripe;
  std::optional<oidc_peer> peer;
  uint16_t port = free_port();
  std::unique_ptr<gatehouse_process> gatehouse;

  stack(std::string dir, bool with_oidc) : data_dir(std::move(dir)) {
    const auto origin = "http://127.0.0.1:" + std::to_string(port);
    std::map<std::string, std::string> extra;
    if (with_oidc) {
      peer.emplace();
      if (!peer->ready())
        throw std::runtime_error("the OIDC peer did not start");
      extra = oidc_settings(*peer);
    }
    auto settings = std::map<std::string, std::string>{
        {"DATABASE_URL", db.url()},
        {"NATS_URL", nats.url()},
        {"GATEHOUSE_LISTEN", "127.0.0.1:" + std::to_string(port)},
        {"GATEHOUSE_PUBLIC_URL", origin},
        {"GATEHOUSE_DATA_DIR", data_dir},
        {"GATEHOUSE_REGISTER_RATE", "1000"},
        {"GATEHOUSE_LOGIN_RATE", "1000"},
        {"GATEHOUSE_BOOTSTRAP_ADMIN_KEY", admin_key},
        {"STRIPE_SECRET_KEY", stripe.secret_key()},
        {"STRIPE_API_BASE", stripe.base_url()},
        {"STRIPE_WEBHOOK_SECRET", webhook_secret}};
    settings.merge(extra);
    gatehouse = std::make_unique<gatehouse_process>(std::move(settings));
  }

  std::string scalar(const std::string& sql) const { return db.scalar(sql); }

  std::string complete_newest_checkout() {
    const auto session = scalar("SELECT stripe_session_id FROM checkouts WHERE status = 'open' "
                                "ORDER BY created_at DESC LIMIT 1");
    if (session.empty())
      return "error no open checkout";
    const auto why = pay_checkout(stripe, port, webhook_secret, session);
    return why.empty() ? "ok" : "error " + why;
  }
};

} // namespace

int main(int argc, char** argv) {
  const bool with_oidc = argc > 1 && std::string_view{argv[1]} == "--oidc";
  char dir[] = "/tmp/gh-browser-XXXXXX";
  const std::string data_dir = ::mkdtemp(dir);
  int rc = 0;
  try {
    stack s{data_dir, with_oidc};
    if (s.gatehouse->port() == 0)
      throw std::runtime_error("gatehouse did not start");
    auto plan = http_call(s.port, "POST", "/api/v1/admin/plans",
                          R"({"name":"Pro","amount":1500,"currency":"EUR","interval":"month"})",
                          {{"Authorization", std::string{"ApiKey "} + admin_key},
                           {"Content-Type", "application/json"}});
    if (plan.status != 201)
      throw std::runtime_error("cannot create the plan: " + plan.body);
    json::object ready{{"url", "http://127.0.0.1:" + std::to_string(s.port)},
                       {"plan_id", json::parse(plan.body).at("id")}};
    if (s.peer)
      ready["issuers"] =
          json::array{json::value(s.peer->a().issuer), json::value(s.peer->b().issuer)};
    std::cout << json::serialize(ready) << std::endl;
    std::string line;
    while (std::getline(std::cin, line) && line != "quit") {
      if (line == "complete")
        std::cout << s.complete_newest_checkout() << std::endl;
      else
        std::cout << "error unknown command" << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "browser_stack: " << e.what() << std::endl;
    rc = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(data_dir, ec);
  return rc;
}
