// The one place that turns a rocksdb::Status into apicached's Status. Private to storage/.
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "storage/status.h"

namespace apicached {

// I/O errors, a full disk, a read-only directory, a background error or a shutdown become
// Unavailable; corruption becomes Internal. The message is "<what>: <RocksDB's message>".
Status FromRocks(const rocksdb::Status& s, std::string_view what);

}  // namespace apicached
