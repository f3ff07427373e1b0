#include "actors/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using namespace gh;

TEST(MetricsTest, CountsByRouteAndStatusAcrossThreads) {
  metrics m;
  const auto slot = m.add_route("GET", "/healthz");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i)
        m.observe_http(slot, t % 2 == 0 ? 200 : 503, 0.0002);
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(m.http_count(slot, 200), 20000U);
  EXPECT_EQ(m.http_count(slot, 503), 20000U);
  EXPECT_EQ(m.http_count(slot, 404), 0U);
}

TEST(MetricsTest, RendersPrometheusText) {
  metrics m;
  const auto slot = m.add_route("GET", "/readyz");
  m.observe_http(slot, 200, 0.003);
  m.observe_http(m.unmatched_slot(), 404, 0.0001);
  m.websockets_open = 2;
  m.set_actor_count("checkout_flow", 7);
  dependency_health health;
  health.set(dependency::postgres, true);
  const auto text = m.render(health);
  for (
      auto line :
      {R"(gatehouse_http_requests_total{route="/readyz",method="GET",status="200"} 1)",
       R"(gatehouse_http_requests_total{route="unmatched",method="*",status="404"} 1)",
       R"(gatehouse_http_request_duration_seconds_bucket{route="/readyz",method="GET",status="200",le="0.0025"} 0)",
       R"(gatehouse_http_request_duration_seconds_bucket{route="/readyz",method="GET",status="200",le="0.005"} 1)",
       R"(gatehouse_http_request_duration_seconds_count{route="/readyz",method="GET",status="200"} 1)",
       "gatehouse_websockets_open 2", R"(gatehouse_actors{kind="checkout_flow"} 7)",
       R"(gatehouse_dependency_up{dependency="postgres"} 1)",
       R"(gatehouse_dependency_up{dependency="redis"} 0)"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(MetricsTest, ManyDistinctStatusesStayBounded) {
  metrics m;
  const auto slot = m.add_route("GET", "/x");
  for (int status = 200; status < 260; ++status)
    m.observe_http(slot, status, 0.001);
  uint64_t total = 0;
  for (int status = 200; status < 260; ++status)
    total += m.http_count(slot, status);
  EXPECT_EQ(total, 60U);
}
