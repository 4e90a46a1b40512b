// FaultStore: a Store that forwards every call to a real one, except where a test injects a
// fault: before_batch runs at the start of each WriteAtomically and, when it returns an error,
// the batch fails with it and nothing reaches the real store (a disk that fails the write, a
// store error in the middle of a transaction). It may also write to the real store itself
// and return Ok, as another client would just before the batch. before_multi_put does the same
// for MultiPut. before_put runs before each single-key Put is forwarded (another client's write
// just before it). before_commit can fail CommitWrites (a log that cannot be written). It counts
// the single-key Puts and the MultiPuts it forwards.
//
// Thread safety: as the wrapped store's; set before_batch before the calls it should see.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "storage/store.h"

namespace apicached::testing {

class FaultStore : public Store {
 public:
  explicit FaultStore(Store& inner) : inner_(inner) {}

  std::function<Status()> before_batch;  // null: every batch reaches the real store
  int batches = 0;                       // WriteAtomically calls seen
  std::function<Status(const std::vector<PutItem>&)> before_multi_put;  // as before_batch
  std::function<void()> before_put;                                     // null: none
  std::function<Status()> before_commit;  // an error: CommitWrites fails with it
  int puts = 0;                           // Put calls seen
  int multi_puts = 0;                     // MultiPut calls seen

  Result<std::vector<BatchWriteResult>> WriteAtomically(
      const std::vector<BatchWrite>& writes) override {
    ++batches;
    if (before_batch) {
      if (Status s = before_batch(); !s.ok()) return s;
    }
    return inner_.WriteAtomically(writes);
  }

  Result<Entry> Get(std::string_view ns, std::string_view key) override {
    return inner_.Get(ns, key);
  }
  Result<WriteOutcome> Put(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, std::optional<int64_t> ttl_seconds,
                           uint32_t flags = 0, bool report_replaced = false) override {
    ++puts;
    if (before_put) before_put();
    return inner_.Put(ns, key, value, content_type, ttl_seconds, flags, report_replaced);
  }
  Result<bool> Delete(std::string_view ns, std::string_view key) override {
    return inner_.Delete(ns, key);
  }
  Result<WriteOutcome> Add(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, std::optional<int64_t> ttl_seconds,
                           uint32_t flags = 0) override {
    return inner_.Add(ns, key, value, content_type, ttl_seconds, flags);
  }
  Result<WriteOutcome> CompareAndSet(std::string_view ns, std::string_view key,
                                     uint64_t expected_version, std::string_view value,
                                     std::string_view content_type,
                                     std::optional<int64_t> ttl_seconds,
                                     uint32_t flags = 0) override {
    return inner_.CompareAndSet(ns, key, expected_version, value, content_type, ttl_seconds, flags);
  }
  Result<EntryInfo> Touch(std::string_view ns, std::string_view key,
                          std::optional<int64_t> ttl_seconds) override {
    return inner_.Touch(ns, key, ttl_seconds);
  }
  Result<int64_t> Incr(std::string_view ns, std::string_view key, int64_t delta,
                       std::optional<int64_t> ttl_on_create) override {
    return inner_.Incr(ns, key, delta, ttl_on_create);
  }
  Result<std::optional<Entry>> Mutate(std::string_view ns, std::string_view key,
                                      const MutateFn& fn) override {
    return inner_.Mutate(ns, key, fn);
  }
  Result<std::vector<std::optional<Entry>>> MultiGet(
      std::string_view ns, const std::vector<std::string>& keys) override {
    return inner_.MultiGet(ns, keys);
  }
  Result<std::vector<EntryInfo>> MultiPut(std::string_view ns,
                                          const std::vector<PutItem>& items) override {
    ++multi_puts;
    if (before_multi_put) {
      if (Status s = before_multi_put(items); !s.ok()) return s;
    }
    return inner_.MultiPut(ns, items);
  }
  Result<uint64_t> DeleteMany(std::string_view ns, const std::vector<std::string>& keys) override {
    return inner_.DeleteMany(ns, keys);
  }
  Status DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) override {
    return inner_.DeleteManyBlind(ns, keys);
  }
  Result<uint64_t> DeletePrefix(std::string_view ns, std::string_view prefix) override {
    return inner_.DeletePrefix(ns, prefix);
  }
  Status ClearNamespace(std::string_view ns) override { return inner_.ClearNamespace(ns); }
  Result<bool> DropNamespace(std::string_view ns) override { return inner_.DropNamespace(ns); }
  Result<ScanPage> Scan(std::string_view ns, std::string_view prefix,
                        std::optional<std::string> start_after, size_t limit) override {
    return inner_.Scan(ns, prefix, std::move(start_after), limit);
  }
  Result<std::vector<NamespaceFigures>> ListNamespaces() override {
    return inner_.ListNamespaces();
  }
  bool WritesWithoutWaiting(std::string_view ns) override {
    return inner_.WritesWithoutWaiting(ns);
  }
  Result<NamespaceFigures> GetNamespace(std::string_view ns) override {
    return inner_.GetNamespace(ns);
  }
  Status Close() override { return inner_.Close(); }
  Status CommitWrites() override {
    if (before_commit) {
      if (Status s = before_commit(); !s.ok()) return s;
    }
    return inner_.CommitWrites();
  }
  StoreAdmin& admin() override { return inner_.admin(); }
  const Clock& clock() const override { return inner_.clock(); }
  const StoreOptions& options() const override { return inner_.options(); }

 private:
  Store& inner_;
};

}  // namespace apicached::testing
