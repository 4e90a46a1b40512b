#include "cache/key_mapping.h"

#include <gtest/gtest.h>

namespace apicached {
namespace {

KeyMapping Mapping() {
  KeyMappingOptions o;
  o.default_namespace = "default";
  o.key_namespaces = {"migo", "sunat"};
  return KeyMapping(o);
}

TEST(KeyMappingTest, ServicePrefixSelectsAConfiguredNamespace) {
  auto m = Mapping();
  EXPECT_EQ(m.NamespaceFor("migo:ruc_123"), "migo");
  EXPECT_EQ(m.NamespaceFor("sunat:x:y"), "sunat");
}

TEST(KeyMappingTest, DjangoPrefixAndVersionAreSkipped) {
  auto m = Mapping();
  EXPECT_EQ(m.NamespaceFor(":1:migo:ruc_123"), "migo");
  EXPECT_EQ(m.NamespaceFor("site:12:sunat:x"), "sunat");
  // Not Django's shape: the version field must be all digits.
  EXPECT_EQ(m.NamespaceFor("site:v1:migo:x"), "default");
}

TEST(KeyMappingTest, EverythingElseGoesToTheDefault) {
  auto m = Mapping();
  EXPECT_EQ(m.NamespaceFor("ruc_123"), "default");
  EXPECT_EQ(m.NamespaceFor("migo"), "default");  // a key named migo, no prefix
  EXPECT_EQ(m.NamespaceFor("other:ruc"), "default");
  EXPECT_EQ(m.NamespaceFor(":1:other:migo"), "default");
  EXPECT_EQ(m.NamespaceFor(""), "default");
}

TEST(KeyMappingTest, WithoutKeyNamespacesEveryKeyGoesToTheDefault) {
  KeyMapping m(KeyMappingOptions{"mc", {}});
  EXPECT_EQ(m.NamespaceFor("migo:ruc"), "mc");
  ASSERT_EQ(m.Namespaces().size(), 1u);
}

TEST(KeyMappingTest, NamespacesListsDefaultFirstWithoutDuplicates) {
  KeyMapping m(KeyMappingOptions{"default", {"migo", "default", "migo"}});
  EXPECT_EQ(m.Namespaces(), (std::vector<std::string>{"default", "migo"}));
}

}  // namespace
}  // namespace apicached
