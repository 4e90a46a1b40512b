// storage/background_errors.h: the watch says when writes stopped and when they resumed, once
// per change, in the log (the fault tests wait for those lines instead of polling).
#include "storage/background_errors.h"

#include <gtest/gtest.h>
#include <rocksdb/status.h>

#include <string>

namespace apicached {
namespace {

size_t Count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(BackgroundErrorWatchTest, LogsEachStopAndEachRecoveryOnce) {
  BackgroundErrorWatch watch;
  ::testing::internal::CaptureStderr();
  watch.MarkRecovered();  // not stopped: nothing to say
  rocksdb::Status full = rocksdb::Status::IOError("No space left on device", "000012.sst");
  watch.OnBackgroundError(rocksdb::BackgroundErrorReason::kFlush, &full);
  EXPECT_TRUE(watch.stopped());
  watch.OnBackgroundError(rocksdb::BackgroundErrorReason::kFlush, &full);  // still the same stop
  watch.MarkRecovered();
  EXPECT_FALSE(watch.stopped());
  watch.MarkRecovered();
  rocksdb::Status again = rocksdb::Status::IOError("Permission denied");
  watch.OnBackgroundError(rocksdb::BackgroundErrorReason::kMemTable, &again);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(Count(log, "apicached: storage: writes stopped by an error: "), 2u) << log;
  EXPECT_EQ(Count(log,
                  "writes stopped by an error: IO error: No space left on device: "
                  "000012.sst\n"),
            1u)
      << log;
  EXPECT_EQ(Count(log, "apicached: storage: writes resumed\n"), 1u) << log;
  EXPECT_LT(log.find("No space"), log.find("resumed")) << log;
  EXPECT_LT(log.find("resumed"), log.find("Permission denied")) << log;
  EXPECT_TRUE(watch.stopped());
}

}  // namespace
}  // namespace apicached
