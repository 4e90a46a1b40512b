// A Store whose every call fails with Unavailable, as a store on a dead disk would: for the
// 503 paths of the routes.
#pragma once

#include "storage/store.h"

namespace apicached::testing {

class FailingStore : public Store, public StoreAdmin {
 public:
  static Status Down() { return Status::Unavailable("disk on fire (FailingStore)"); }

  Result<Entry> Get(std::string_view, std::string_view) override { return Down(); }
  Result<WriteOutcome> Put(std::string_view, std::string_view, std::string_view, std::string_view,
                           std::optional<int64_t>, uint32_t = 0, bool = false) override {
    return Down();
  }
  Result<bool> Delete(std::string_view, std::string_view) override { return Down(); }
  Result<WriteOutcome> Add(std::string_view, std::string_view, std::string_view, std::string_view,
                           std::optional<int64_t>, uint32_t = 0) override {
    return Down();
  }
  Result<WriteOutcome> CompareAndSet(std::string_view, std::string_view, uint64_t, std::string_view,
                                     std::string_view, std::optional<int64_t>,
                                     uint32_t = 0) override {
    return Down();
  }
  Result<EntryInfo> Touch(std::string_view, std::string_view, std::optional<int64_t>) override {
    return Down();
  }
  Result<int64_t> Incr(std::string_view, std::string_view, int64_t,
                       std::optional<int64_t>) override {
    return Down();
  }
  Result<std::optional<Entry>> Mutate(std::string_view, std::string_view,
                                      const MutateFn&) override {
    return Down();
  }
  Result<std::vector<std::optional<Entry>>> MultiGet(std::string_view,
                                                     const std::vector<std::string>&) override {
    return Down();
  }
  Result<std::vector<EntryInfo>> MultiPut(std::string_view, const std::vector<PutItem>&) override {
    return Down();
  }
  Result<std::vector<BatchWriteResult>> WriteAtomically(const std::vector<BatchWrite>&) override {
    return Down();
  }
  Result<uint64_t> DeleteMany(std::string_view, const std::vector<std::string>&) override {
    return Down();
  }
  Status DeleteManyBlind(std::string_view, const std::vector<std::string>&) override {
    return Down();
  }
  Result<uint64_t> DeletePrefix(std::string_view, std::string_view) override { return Down(); }
  Status ClearNamespace(std::string_view) override { return Down(); }
  Result<bool> DropNamespace(std::string_view) override { return Down(); }
  Result<ScanPage> Scan(std::string_view, std::string_view, std::optional<std::string>,
                        size_t) override {
    return Down();
  }
  Result<std::vector<NamespaceFigures>> ListNamespaces() override { return Down(); }
  Result<NamespaceFigures> GetNamespace(std::string_view) override { return Down(); }
  bool WritesWithoutWaiting(std::string_view) override { return false; }
  Result<MaintenanceReport> RunMaintenance(std::string_view) override { return Down(); }
  MaintenanceReport MaintenanceTotals() const override { return {}; }
  Status CompactNamespace(std::string_view) override { return Down(); }
  Result<uint64_t> InternalDiskBytes() override { return Down(); }
  Status Checkpoint(const std::string&) override { return Down(); }
  Status CheckHealth() override { return Down(); }
  void SetTtlDefaults(TtlDefaults) override {}
  Status Close() override { return Status::Ok(); }
  Status CommitWrites() override { return Status::Ok(); }
  StoreAdmin& admin() override { return *this; }
  const Clock& clock() const override { return clock_; }
  const StoreOptions& options() const override { return options_; }

 private:
  SystemClock clock_;
  StoreOptions options_;
};

}  // namespace apicached::testing
