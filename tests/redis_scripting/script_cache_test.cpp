#include "redis/scripting/script_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace apicached::redis::scripting {
namespace {

using Origin = ScriptCache::Origin;

TEST(ScriptCache, EvictsLeastRecentlyUsedEvalScripts) {
  ScriptCache cache({.max_scripts = 2, .max_bytes = 1000});
  std::vector<std::string> evicted;
  ASSERT_TRUE(cache.Add("a", 10, 0, Origin::kEval, &evicted));
  ASSERT_TRUE(cache.Add("b", 10, 0, Origin::kEval, &evicted));
  uint32_t flags = 0;
  ASSERT_TRUE(cache.Find("a", &flags));  // b is now the least recently used
  ASSERT_TRUE(cache.Add("c", 10, 0, Origin::kEval, &evicted));
  EXPECT_EQ(evicted, std::vector<std::string>{"b"});
  EXPECT_TRUE(cache.Contains("a"));
  EXPECT_FALSE(cache.Contains("b"));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ScriptCache, KeepsLoadedScriptsAndRefusesWhenOnlyTheyFill) {
  ScriptCache cache({.max_scripts = 2, .max_bytes = 1000});
  std::vector<std::string> evicted;
  ASSERT_TRUE(cache.Add("l1", 10, 0, Origin::kLoad, &evicted));
  ASSERT_TRUE(cache.Add("e1", 10, 0, Origin::kEval, &evicted));
  ASSERT_TRUE(cache.Add("l2", 10, 0, Origin::kLoad, &evicted));  // evicts e1
  EXPECT_EQ(evicted, std::vector<std::string>{"e1"});
  evicted.clear();
  EXPECT_FALSE(cache.Add("l3", 10, 0, Origin::kLoad, &evicted));
  EXPECT_FALSE(cache.Add("e2", 10, 0, Origin::kEval, &evicted));
  EXPECT_TRUE(evicted.empty());
  EXPECT_TRUE(cache.Contains("l1") && cache.Contains("l2"));
}

TEST(ScriptCache, BoundsBytes) {
  ScriptCache cache({.max_scripts = 100, .max_bytes = 100});
  std::vector<std::string> evicted;
  EXPECT_FALSE(cache.Add("huge", 101, 0, Origin::kEval, &evicted));
  ASSERT_TRUE(cache.Add("a", 60, 0, Origin::kEval, &evicted));
  ASSERT_TRUE(cache.Add("b", 60, 0, Origin::kEval, &evicted));
  EXPECT_EQ(evicted, std::vector<std::string>{"a"});
  EXPECT_EQ(cache.bytes(), 60u);
}

TEST(ScriptCache, LoadingAnEvalScriptProtectsIt) {
  ScriptCache cache({.max_scripts = 2, .max_bytes = 1000});
  std::vector<std::string> evicted;
  ASSERT_TRUE(cache.Add("a", 10, 7, Origin::kEval, &evicted));
  cache.MarkLoaded("a");
  ASSERT_TRUE(cache.Add("b", 10, 0, Origin::kEval, &evicted));
  ASSERT_TRUE(cache.Add("c", 10, 0, Origin::kEval, &evicted));
  EXPECT_EQ(evicted, std::vector<std::string>{"b"});
  uint32_t flags = 0;
  ASSERT_TRUE(cache.Find("a", &flags));
  EXPECT_EQ(flags, 7u);
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace apicached::redis::scripting
