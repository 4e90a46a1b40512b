// The configuration file of apicached (/etc/apicached/apicached.conf or --config FILE): the
// same options as the command line, as "name = value" lines (Boost.program_options INI syntax,
// '#' comments). Flags given on the command line win over the file.
//
// Thread safety: pure functions (they read the file system).
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace apicached {

// Read when --config is not given and the file exists.
inline constexpr const char* kDefaultConfigPath = "/etc/apicached/apicached.conf";

// Stores the file's values into vm for the options not already there (so call it after storing
// the command line: flags win). Every name in the file must be an option of desc other than
// config and help (command line only). InvalidArgument
// naming the file (and the option, where program_options says which) when the file cannot be
// read, has a syntax error, an unknown option or a bad value.
Status StoreConfigFile(const std::string& path,
                       const boost::program_options::options_description& desc,
                       boost::program_options::variables_map& vm);

// "NAME=SECONDS" entries of the repeatable option `option` (ns-ttl, invalid-ttl) -> a map.
// validate_name checks NAME (its message is quoted); example shows the expected form. The first
// entry for a name wins, so with the command line stored before the file a flag overrides the
// file's entry for that name. InvalidArgument naming the option and the entry when NAME is
// refused or the seconds are not an integer >= 0.
Result<std::map<std::string, int64_t>> ParseNameSeconds(
    std::string_view option, const std::vector<std::string>& entries,
    const std::function<Status(std::string_view)>& validate_name, std::string_view example);

// "NAMESPACE=SECONDS" entries (ns-ttl) -> a map. The first entry for a namespace wins, so with
// the command line stored before the file a flag overrides the file's entry for that namespace.
// InvalidArgument naming ns-ttl and the entry when the name is not a valid namespace or the
// seconds are not an integer >= 0.
Result<std::map<std::string, int64_t>> ParseNamespaceTtls(const std::vector<std::string>& entries);
// --ns-quota NAMESPACE=BYTES entries (0: no quota); InvalidArgument naming the bad entry.
Result<std::map<std::string, int64_t>> ParseNamespaceQuotas(
    const std::vector<std::string>& entries);

}  // namespace apicached
