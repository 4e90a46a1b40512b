// The JSON examples the docs show for /v1/health have the shape the real daemon answers: the
// same member names at every level (values differ run to run). docs/API.md once showed a
// shape the daemon never returned.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"

namespace apicached::testing {
namespace {

using nlohmann::json;

// The first ```json block after the line `heading` in the doc (discarded json when absent).
json ExampleAfter(const std::string& doc, const std::string& heading) {
  std::ifstream in(std::string(APICACHED_SOURCE_DIR) + "/" + doc);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  size_t at = s.find("\n" + heading + "\n");
  if (at == std::string::npos) return json(json::value_t::discarded);
  at = s.find("```json\n", at);
  if (at == std::string::npos) return json(json::value_t::discarded);
  at += 8;
  const size_t end = s.find("```", at);
  return json::parse(s.substr(at, end - at), nullptr, /*allow_exceptions=*/false);
}

// Member names of objects, recursively ("checks.warmup.state", ...).
void Keys(const json& j, const std::string& prefix, std::set<std::string>& out) {
  if (!j.is_object()) return;
  for (const auto& [k, v] : j.items()) {
    out.insert(prefix + k);
    Keys(v, prefix + k + ".", out);
  }
}

std::set<std::string> Keys(const json& j) {
  std::set<std::string> out;
  Keys(j, "", out);
  return out;
}

TEST(DocsExamplesTest, HealthExamplesMatchTheRealAnswer) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  HttpClient client(daemon.port());
  HttpResponse res = client.Get("/v1/health");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  const json real = json::parse(res.body());
  for (const auto& [doc, heading] :
       {std::pair<std::string, std::string>{"docs/API.md", "## Health"},
        {"docs/metrics.md", "## `GET /v1/health`"}}) {
    SCOPED_TRACE(doc);
    const json example = ExampleAfter(doc, heading);
    ASSERT_FALSE(example.is_discarded()) << "no ```json example under '" << heading << "'";
    EXPECT_EQ(Keys(example), Keys(real))
        << "documented: " << example.dump() << "\nreal: " << real.dump();
  }
}

}  // namespace
}  // namespace apicached::testing
