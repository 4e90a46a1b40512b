// Invalid-identifier lists: a negative cache of identifiers (RUCs, account numbers, ...) that an
// upstream API has already refused, so that apicached's clients stop paying for calls that
// cannot succeed.
//
// Each list holds one record per identifier:
//   {reason, first_seen, last_seen, attempts, expires_at}
// stored as its own store entry with its own TTL in the internal namespace ".invalid_<list>".
// Reports are atomic read-modify-writes of that one entry (Store::Mutate), so concurrent
// reporters never lose an attempt and one identifier's report never touches another's expiry
// (the seed kept every record in one dictionary under one key and lost both).
//
// Rules:
// - list names are 1 to 56 of [a-z0-9_-] (the user namespace rules, shorter so that
//   ".invalid_<list>" is still '.' plus a valid namespace name);
// - identifiers are 1 to 256 bytes of printable ASCII (0x21-0x7E) other than '/';
// - reasons are 1 to max_reason_bytes of printable ASCII including space (0x20-0x7E);
// - ttl_seconds: nullopt is the list's TTL (InvalidRegistryOptions), 0 never expires, otherwise
//   1 to kMaxInvalidTtlSeconds; the TTL counts from the latest report.
// Times come from store.clock(); expired records never appear (the store hides them).
//
// Thread safety: every method may be called concurrently from any thread. The store must
// outlive the registry.
//
// Errors common to all methods: InvalidArgument (bad list name, identifier, reason, ttl, limit;
// the message says which), Unavailable (the store cannot serve now), Internal (a stored record
// that is not a record apicached wrote).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/status.h"
#include "storage/store.h"

namespace apicached {

inline constexpr int64_t kDefaultInvalidTtlSeconds = 604800;          // 7 days
inline constexpr int64_t kMaxInvalidTtlSeconds = 10ll * 366 * 86400;  // about 10 years
inline constexpr size_t kMaxInvalidIdBytes = 256;
inline constexpr size_t kMaxInvalidListNameChars = 56;

struct InvalidRegistryOptions {
  // TTL of a list not named in list_ttl_seconds: 7 days, the seed's "extra long" tier.
  int64_t default_ttl_seconds = kDefaultInvalidTtlSeconds;
  // Per-list TTLs. Lists named here exist from the start (they show in Lists() and figures
  // before their first report). "ruc" is the list RucService writes.
  std::map<std::string, int64_t> list_ttl_seconds = {{"ruc", kDefaultInvalidTtlSeconds}};
  // Lists in all, those above included: each list is a namespace (a column family) of the store,
  // so clients must not be able to create them without bound.
  uint32_t max_lists = 64;
  size_t max_page_size = 1000;  // List() refuses a larger limit
  size_t max_reason_bytes = 256;
};

struct InvalidRecord {
  std::string reason;  // the latest report's
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  uint64_t attempts = 0;
  int64_t expires_ms = 0;  // 0: never expires
};

// {"reason", "first_seen", "last_seen", "attempts", "expires_at"}: times as ISO-8601 UTC with
// milliseconds ("2026-01-25T10:30:00.000Z"), expires_at null when the record never expires.
nlohmann::json InvalidRecordToJson(const InvalidRecord& record);

// "2026-01-25T10:30:00.000Z" for milliseconds since the Unix epoch (negative allowed).
std::string FormatIsoUtcMillis(int64_t epoch_ms);

struct InvalidReport {
  InvalidRecord record;  // after this report
  bool created = false;  // true when no live record existed before
};

struct InvalidPage {
  std::vector<std::pair<std::string, InvalidRecord>> records;  // by identifier, byte order
  std::optional<std::string> next_after;                       // pass as start_after
};

struct InvalidListFigures {
  std::string list;
  int64_t ttl_seconds = 0;
  uint64_t approx_live_records = 0;  // the store's estimate; may count expired, undropped ones
  uint64_t lookups_found = 0;        // Get() calls that found a live record, since start
  uint64_t lookups_missed = 0;       // Get() calls that did not
  uint64_t reports = 0;              // successful Report() calls, since start
};

Status ValidateInvalidListName(std::string_view list);
Status ValidateInvalidId(std::string_view id);

class InvalidRegistry {
 public:
  // Validates the options (InvalidArgument naming the bad one) and reads the catalog of lists
  // written before a restart.
  static Result<std::unique_ptr<InvalidRegistry>> Open(Store& store,
                                                       InvalidRegistryOptions options);

  InvalidRegistry(const InvalidRegistry&) = delete;
  InvalidRegistry& operator=(const InvalidRegistry&) = delete;

  // Creates the record (attempts 1, first_seen = last_seen = now) or updates the live one
  // (attempts + 1, last_seen = now, reason replaced, first_seen kept), with an expiry of now +
  // ttl. ResourceExhausted when the list is new and max_lists lists exist already.
  Result<InvalidReport> Report(std::string_view list, std::string_view id, std::string_view reason,
                               std::optional<int64_t> ttl_seconds = std::nullopt);

  // The live record, or NotFound. Counts a found/missed lookup for the list when it is known.
  Result<InvalidRecord> Get(std::string_view list, std::string_view id);

  // Live records after start_after (exclusive), at most limit (1..max_page_size). A list
  // never written answers an empty page.
  Result<InvalidPage> List(std::string_view list, std::optional<std::string> start_after,
                           size_t limit);

  // true when a live record existed and was removed.
  Result<bool> Remove(std::string_view list, std::string_view id);

  // Known lists (configured ones and every one written since the data dir was created), by name.
  std::vector<std::string> Lists() const;

  // One entry per known list, by name. Unavailable when the store cannot answer.
  Result<std::vector<InvalidListFigures>> Figures() const;

  // The TTL a report without ttl gets in this list.
  int64_t TtlSeconds(std::string_view list) const;

  // ".invalid_<list>": the store namespace of a list.
  static std::string NamespaceOf(std::string_view list);

  const InvalidRegistryOptions& options() const { return options_; }

 private:
  struct ListState {
    bool in_catalog = false;
    std::atomic<uint64_t> lookups_found{0};
    std::atomic<uint64_t> lookups_missed{0};
    std::atomic<uint64_t> reports{0};
  };

  InvalidRegistry(Store& store, InvalidRegistryOptions options);
  Status LoadCatalog();
  // The state of a list that may be written to, registering it in the catalog first.
  Result<ListState*> ListForWrite(const std::string& list);
  ListState* FindList(std::string_view list) const;  // nullptr when unknown
  Status ValidateReason(std::string_view reason) const;

  Store& store_;
  const InvalidRegistryOptions options_;
  mutable std::shared_mutex mu_;  // guards lists_ (the map, and in_catalog)
  std::map<std::string, std::unique_ptr<ListState>, std::less<>> lists_;
};

}  // namespace apicached
