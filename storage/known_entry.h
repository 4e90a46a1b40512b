// What a wrapping store already knows of the key it is writing through the calling thread, so
// that the store need not read the key to report the entry a Put replaced (WriteOutcome::replaced:
// HTTP's 201 or 204). The RAM tier (hotcache/tiered_store.h) opens a KnownEntryScope around its
// inner Put when it held the key's live entry as the write began; the store asks it under the
// key's write lock, where no other write of the key can change what the answer holds.
//
// Like WriteDeferral, this is a parameter passed down the calling thread rather than through
// every Store method: only a Put consults it, and only for the (namespace, key) it names.
//
// Thread safety: a KnownEntryScope belongs to the thread that made it and must be destroyed there;
// Ask() reads the calling thread's state only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "storage/store.h"

namespace apicached {

// What the wrapping store answers. REQUIRES of an implementation: Known() is called by the store
// while it holds the key's write lock; it returns the key's live entry as the store holds it at
// now_ms, or nullopt when it cannot vouch for that (the store then reads the key).
class KnownEntrySource {
 public:
  virtual ~KnownEntrySource() = default;
  virtual std::optional<EntryInfo> Known(int64_t now_ms) const = 0;
};

// The same for a batch of keys (WriteAtomically): Known() for any key the batch writes, under that
// key's write lock.
class KnownEntriesSource {
 public:
  virtual ~KnownEntriesSource() = default;
  virtual std::optional<EntryInfo> Known(std::string_view ns, std::string_view key,
                                         int64_t now_ms) const = 0;
};

class KnownEntryScope {
 public:
  // source must outlive the scope; ns and key must stay valid as long as it.
  KnownEntryScope(std::string_view ns, std::string_view key, const KnownEntrySource& source);
  // A scope that names every key: source answers for those it knows.
  explicit KnownEntryScope(const KnownEntriesSource& source);
  ~KnownEntryScope();
  KnownEntryScope(const KnownEntryScope&) = delete;
  KnownEntryScope& operator=(const KnownEntryScope&) = delete;

  // For Store implementations, under the key's write lock: the live entry the innermost scope of
  // the calling thread vouches for, when that scope names (ns, key) or every key; nullopt
  // otherwise.
  static std::optional<EntryInfo> Ask(std::string_view ns, std::string_view key, int64_t now_ms);

 private:
  std::string_view ns_;
  std::string_view key_;
  const KnownEntrySource* source_ = nullptr;     // one key
  const KnownEntriesSource* sources_ = nullptr;  // every key
  const KnownEntryScope* outer_;
  static thread_local const KnownEntryScope* current_;
};

}  // namespace apicached
