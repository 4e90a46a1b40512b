#include "daemon/sd_notify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/daemon/notify_receiver.h"
#include "tests/daemon/scoped_env.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

using std::chrono::milliseconds;
using testing::NotifyReceiver;
using testing::ScopedEnv;
using testing::TempDir;

constexpr milliseconds kWait{5000};

TEST(NotifierTest, SendsEachMessageToAPathSocket) {
  TempDir dir;
  NotifyReceiver receiver = NotifyReceiver::AtPath(dir.Sub("notify"));
  Notifier notifier(receiver.address());
  ASSERT_TRUE(notifier.enabled());

  ASSERT_TRUE(notifier.Ready().ok());
  EXPECT_EQ(receiver.Receive(kWait), "READY=1");
  ASSERT_TRUE(notifier.SetStatus("serving 127.0.0.1:7431").ok());
  EXPECT_EQ(receiver.Receive(kWait), "STATUS=serving 127.0.0.1:7431");
  ASSERT_TRUE(notifier.Watchdog().ok());
  EXPECT_EQ(receiver.Receive(kWait), "WATCHDOG=1");
  ASSERT_TRUE(notifier.ExtendTimeout(std::chrono::seconds(90)).ok());
  EXPECT_EQ(receiver.Receive(kWait), "EXTEND_TIMEOUT_USEC=90000000");
  ASSERT_TRUE(notifier.Reloading().ok());
  EXPECT_EQ(receiver.Receive(kWait), "RELOADING=1");
  ASSERT_TRUE(notifier.Stopping().ok());
  EXPECT_EQ(receiver.Receive(kWait), "STOPPING=1");
}

TEST(NotifierTest, SendsToAnAbstractSocket) {
  NotifyReceiver receiver = NotifyReceiver::Abstract();
  ASSERT_EQ(receiver.address()[0], '@');
  Notifier notifier(receiver.address());
  ASSERT_TRUE(notifier.Notify("READY=1\nSTATUS=up").ok());
  EXPECT_EQ(receiver.Receive(kWait), "READY=1\nSTATUS=up");
}

TEST(NotifierTest, FromEnvironmentReadsNotifySocket) {
  NotifyReceiver receiver = NotifyReceiver::Abstract();
  ScopedEnv env("NOTIFY_SOCKET", receiver.address());
  Notifier notifier = Notifier::FromEnvironment();
  EXPECT_EQ(notifier.address(), receiver.address());
  ASSERT_TRUE(notifier.Ready().ok());
  EXPECT_EQ(receiver.Receive(kWait), "READY=1");
}

TEST(NotifierTest, IsANoOpWhenNotifySocketIsUnsetOrEmpty) {
  {
    ScopedEnv env("NOTIFY_SOCKET", std::nullopt);
    Notifier notifier = Notifier::FromEnvironment();
    EXPECT_FALSE(notifier.enabled());
    EXPECT_TRUE(notifier.Ready().ok());
    EXPECT_TRUE(notifier.SetStatus("x").ok());
  }
  ScopedEnv env("NOTIFY_SOCKET", "");
  EXPECT_FALSE(Notifier::FromEnvironment().enabled());
  EXPECT_TRUE(Notifier().Stopping().ok());
}

TEST(NotifierTest, StatusLinesCannotInjectOtherAssignments) {
  NotifyReceiver receiver = NotifyReceiver::Abstract();
  Notifier notifier(receiver.address());
  ASSERT_TRUE(notifier.SetStatus("bad\nREADY=1").ok());
  std::optional<std::string> msg = receiver.Receive(kWait);
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(*msg, "STATUS=bad READY=1");
  EXPECT_FALSE(testing::HasLine(*msg, "READY=1"));
}

TEST(NotifierTest, RejectsAnAddressThatIsNeitherPathNorAbstract) {
  Status status = Notifier("relative/path").Ready();
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("relative/path"), std::string::npos) << status.ToString();
}

TEST(NotifierTest, RejectsAnAddressTooLongForSunPath) {
  Status status = Notifier("/" + std::string(200, 'a')).Ready();
  EXPECT_EQ(status.code(), Code::kInvalidArgument) << status.ToString();
}

TEST(NotifierTest, ReportsASocketThatDoesNotExist) {
  TempDir dir;
  Status status = Notifier(dir.Sub("nobody-listens")).Ready();
  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_NE(status.message().find("nobody-listens"), std::string::npos) << status.ToString();
}

TEST(WatchdogIntervalTest, ReadsWatchdogUsecForThisProcess) {
  ScopedEnv usec("WATCHDOG_USEC", "30000000");
  {
    ScopedEnv pid("WATCHDOG_PID", std::nullopt);
    EXPECT_EQ(WatchdogInterval(), std::chrono::microseconds(30'000'000));
  }
  ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()));
  EXPECT_EQ(WatchdogInterval(), std::chrono::microseconds(30'000'000));
}

TEST(WatchdogIntervalTest, IgnoresAWatchdogMeantForAnotherProcess) {
  ScopedEnv usec("WATCHDOG_USEC", "30000000");
  ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1));
  EXPECT_EQ(WatchdogInterval(), std::nullopt);
}

TEST(WatchdogIntervalTest, IgnoresMissingOrMalformedValues) {
  ScopedEnv pid("WATCHDOG_PID", std::nullopt);
  {
    ScopedEnv usec("WATCHDOG_USEC", std::nullopt);
    EXPECT_EQ(WatchdogInterval(), std::nullopt);
  }
  for (const char* bad : {"", "0", "-5", "12abc", "abc", "99999999999999999999999"}) {
    ScopedEnv usec("WATCHDOG_USEC", bad);
    EXPECT_EQ(WatchdogInterval(), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace apicached
