#include "storage/namespace_registry.h"

#include "storage/rocks_status.h"

namespace apicached {

namespace {

constexpr std::string_view kFamilyPrefix = "ns:";

std::string FamilyName(std::string_view ns) {
  return std::string(kFamilyPrefix) + std::string(ns);
}

}  // namespace

std::unique_ptr<Namespace> NamespaceRegistry::MakeNamespace(std::string_view ns) const {
  auto n = std::make_unique<Namespace>();
  n->name = std::string(ns);
  n->expired_dropped = std::make_shared<std::atomic<uint64_t>>(0);
  return n;
}

rocksdb::ColumnFamilyOptions NamespaceRegistry::OptionsFor(const Namespace& ns) const {
  return MakeColumnFamilyOptions(options_, resources_, clock_, ns.expired_dropped);
}

Result<std::unique_ptr<rocksdb::DB>> NamespaceRegistry::OpenDatabase(
    const rocksdb::DBOptions& db_options, const std::string& path) {
  std::vector<std::string> families;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, path, &families);
  if (!s.ok()) families = {rocksdb::kDefaultColumnFamilyName};  // a new database

  std::vector<std::unique_ptr<Namespace>> opened;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& family : families) {
    std::unique_ptr<Namespace> ns;
    if (family.starts_with(kFamilyPrefix)) ns = MakeNamespace(family.substr(kFamilyPrefix.size()));
    // RocksDB's "default" family (and any stranger) gets namespace options with a counter
    // nobody reads; only the version lease lives there.
    descriptors.emplace_back(family, OptionsFor(ns ? *ns : *MakeNamespace(family)));
    opened.push_back(std::move(ns));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "opening the database in " + path);
  std::unique_ptr<rocksdb::DB> db(raw);
  db_ = raw;

  std::unique_lock lock(mu_);
  for (size_t i = 0; i < handles.size(); ++i) {
    if (!opened[i]) {
      if (families[i] == rocksdb::kDefaultColumnFamilyName) {
        default_handle_ = handles[i];
      } else {
        db->DestroyColumnFamilyHandle(handles[i]).PermitUncheckedError();  // not ours
      }
      continue;
    }
    opened[i]->handle = handles[i];
    if (!IsInternalNamespace(opened[i]->name)) ++user_count_;
    namespaces_.emplace(opened[i]->name, std::move(opened[i]));
  }
  return db;
}

Namespace* NamespaceRegistry::Find(std::string_view ns) const {
  std::shared_lock lock(mu_);
  auto it = namespaces_.find(ns);
  return it == namespaces_.end() ? nullptr : it->second.get();
}

Result<Namespace*> NamespaceRegistry::FindOrCreate(std::string_view ns) {
  if (Namespace* found = Find(ns)) return found;
  std::lock_guard create_lock(create_mu_);
  if (Namespace* found = Find(ns)) return found;  // created while we waited
  const bool internal = IsInternalNamespace(ns);
  if (!internal) {
    std::shared_lock lock(mu_);
    if (user_count_ >= options_.max_namespaces) {
      return Status::ResourceExhausted("cannot create namespace '" + std::string(ns) + "': the " +
                                       std::to_string(options_.max_namespaces) +
                                       "-namespace limit is reached");
    }
  }
  std::unique_ptr<Namespace> created = MakeNamespace(ns);
  rocksdb::Status s =
      db_->CreateColumnFamily(OptionsFor(*created), FamilyName(ns), &created->handle);
  if (!s.ok()) return FromRocks(s, "creating namespace '" + std::string(ns) + "'");
  std::unique_lock lock(mu_);
  if (!internal) ++user_count_;
  Namespace* result = created.get();
  namespaces_.emplace(created->name, std::move(created));
  return result;
}

std::vector<Namespace*> NamespaceRegistry::All() const {
  std::shared_lock lock(mu_);
  std::vector<Namespace*> all;
  all.reserve(namespaces_.size());
  for (const auto& [name, ns] : namespaces_) all.push_back(ns.get());
  return all;
}

void NamespaceRegistry::ReleaseHandles() {
  std::unique_lock lock(mu_);
  if (db_ == nullptr) return;
  for (auto& [name, ns] : namespaces_) {
    if (ns->handle != nullptr) db_->DestroyColumnFamilyHandle(ns->handle).PermitUncheckedError();
    ns->handle = nullptr;
  }
  if (default_handle_ != nullptr) {
    db_->DestroyColumnFamilyHandle(default_handle_).PermitUncheckedError();
    default_handle_ = nullptr;
  }
  db_ = nullptr;
}

}  // namespace apicached
