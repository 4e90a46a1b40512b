#include "daemon/config_file.h"

#include <boost/program_options/errors.hpp>
#include <boost/program_options/parsers.hpp>
#include <cctype>
#include <charconv>
#include <fstream>

#include "storage/store.h"

namespace apicached {

namespace po = boost::program_options;

Status StoreConfigFile(const std::string& path, const po::options_description& desc,
                       po::variables_map& vm) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the config file '" + path + "'");
  try {
    po::parsed_options parsed = po::parse_config_file(in, desc, /*allow_unregistered=*/false);
    for (const po::option& o : parsed.options) {
      // Read only from the command line: a file naming another file, or asking for help, would
      // otherwise be ignored without a word.
      if (o.string_key == "config" || o.string_key == "help") {
        return Status::InvalidArgument("config file '" + path + "': '" + o.string_key +
                                       "' can only be given on the command line");
      }
    }
    po::store(parsed, vm);
  } catch (const po::error& e) {
    return Status::InvalidArgument("config file '" + path + "': " + e.what());
  }
  return Status::Ok();
}

namespace {

// NAME=INTEGER entries (first wins); `what` names the integer in errors ("seconds", "bytes").
Result<std::map<std::string, int64_t>> ParseNameIntegers(
    std::string_view option, const std::vector<std::string>& entries,
    const std::function<Status(std::string_view)>& validate_name, std::string_view example,
    std::string_view what, std::string_view zero_means) {
  std::map<std::string, int64_t> out;
  for (const std::string& entry : entries) {
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument(std::string(option) + " '" + entry + "': " + why +
                                     " (expected NAME=" + std::string(what) + ", e.g. " +
                                     std::string(example) + ")");
    };
    size_t eq = entry.find('=');
    if (eq == std::string::npos) return bad("no '='");
    std::string name = entry.substr(0, eq);
    std::string number = entry.substr(eq + 1);
    if (Status s = validate_name(name); !s.ok()) return bad(s.message());
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || value < 0) {
      std::string lower(what);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return bad("the " + lower + " must be an integer >= 0 (0: " + std::string(zero_means) + ")");
    }
    out.emplace(name, value);  // first wins
  }
  return out;
}

}  // namespace

Result<std::map<std::string, int64_t>> ParseNameSeconds(
    std::string_view option, const std::vector<std::string>& entries,
    const std::function<Status(std::string_view)>& validate_name, std::string_view example) {
  return ParseNameIntegers(option, entries, validate_name, example, "SECONDS", "never expires");
}

Result<std::map<std::string, int64_t>> ParseNamespaceQuotas(
    const std::vector<std::string>& entries) {
  return ParseNameIntegers("ns-quota", entries, ValidateNamespaceName, "sessions=1073741824",
                           "BYTES", "no quota");
}

Result<std::map<std::string, int64_t>> ParseNamespaceTtls(const std::vector<std::string>& entries) {
  return ParseNameSeconds("ns-ttl", entries, ValidateNamespaceName, "ratelimit=60");
}

}  // namespace apicached
