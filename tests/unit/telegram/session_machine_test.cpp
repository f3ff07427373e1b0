// The session state machine, driven as TDLib's authorization updates and the console's commands
// would drive it.
#include "actors/telegram/session_machine.hpp"

#include <gtest/gtest.h>

namespace gh::telegram {
namespace {

using phase = session_machine::phase;

TEST(SessionMachineTest, GoesThroughCodeAndPasswordToReadyAndClosesToNone) {
  session_machine m;
  EXPECT_EQ(m.visible(), tg_state::none);
  EXPECT_FALSE(m.apply("authorizationStateWaitCode")) << "an idle session ignores TDLib";
  EXPECT_TRUE(m.begin());
  EXPECT_FALSE(m.begin());
  EXPECT_FALSE(m.apply("authorizationStateWaitTdlibParameters"));
  EXPECT_FALSE(m.apply("authorizationStateWaitPhoneNumber"));
  EXPECT_EQ(m.current(), phase::wait_phone);
  EXPECT_EQ(m.visible(), tg_state::none);
  EXPECT_TRUE(m.apply("authorizationStateWaitCode"));
  EXPECT_EQ(state_name(m.visible()), "wait_code");
  EXPECT_TRUE(m.apply("authorizationStateWaitPassword"));
  EXPECT_EQ(state_name(m.visible()), "wait_password");
  EXPECT_FALSE(m.apply("updateSomethingElse"));
  EXPECT_TRUE(m.apply("authorizationStateReady"));
  EXPECT_EQ(state_name(m.visible()), "ready");
  EXPECT_TRUE(m.apply("authorizationStateLoggingOut"));
  EXPECT_EQ(state_name(m.visible()), "closing");
  EXPECT_FALSE(m.apply("authorizationStateReady")) << "nothing but the close follows closing";
  EXPECT_FALSE(m.apply("authorizationStateClosing"));
  EXPECT_TRUE(m.apply("authorizationStateClosed"));
  EXPECT_EQ(m.current(), phase::closed);
  EXPECT_EQ(m.visible(), tg_state::none);
  EXPECT_FALSE(m.apply("authorizationStateReady")) << "a closed session stays closed";
  EXPECT_TRUE(m.begin()) << "a new login may follow";
}

TEST(SessionMachineTest, RefusesCommandsOutOfTurn) {
  session_machine m;
  EXPECT_FALSE(m.refuse("tg.status"));
  EXPECT_FALSE(m.refuse("tg.logout"));
  EXPECT_FALSE(m.refuse("tg.login"));
  for (const char* c : {"tg.code", "tg.password", "tg.chats", "tg.history", "tg.send", "tg.search"})
    EXPECT_NE(m.refuse(c).value_or("").find("/tg login"), std::string::npos) << c;
  m.begin();
  EXPECT_TRUE(m.refuse("tg.login"));
  EXPECT_NE(m.refuse("tg.code").value_or("").find("on its way"), std::string::npos);
  m.apply("authorizationStateWaitPhoneNumber");
  m.apply("authorizationStateWaitCode");
  EXPECT_FALSE(m.refuse("tg.code"));
  EXPECT_TRUE(m.refuse("tg.password"));
  EXPECT_TRUE(m.refuse("tg.chats"));
  m.apply("authorizationStateWaitPassword");
  EXPECT_TRUE(m.refuse("tg.code"));
  EXPECT_FALSE(m.refuse("tg.password"));
  m.apply("authorizationStateReady");
  for (const char* c : {"tg.chats", "tg.history", "tg.send", "tg.search", "tg.status", "tg.logout"})
    EXPECT_FALSE(m.refuse(c)) << c;
  EXPECT_TRUE(m.refuse("tg.code"));
  EXPECT_TRUE(m.refuse("tg.login"));
}

TEST(SessionMachineTest, AStepTheConsoleDoesNotOfferIsRefusedUntilLogout) {
  session_machine m;
  m.begin();
  m.apply("authorizationStateWaitPhoneNumber");
  EXPECT_FALSE(m.apply("authorizationStateWaitEmailAddress"));
  EXPECT_EQ(m.current(), phase::unsupported);
  EXPECT_NE(m.refuse("tg.code").value_or("").find("/tg logout"), std::string::npos);
  EXPECT_FALSE(m.refuse("tg.logout"));
}

} // namespace
} // namespace gh::telegram
