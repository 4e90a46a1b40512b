#include "storage/namespace_registry.h"

#include "storage/rocks_status.h"

namespace apicached {

namespace {

constexpr std::string_view kFamilyPrefix = "ns:";

std::string FamilyName(std::string_view ns) {
  return std::string(kFamilyPrefix) + std::string(ns);
}

}  // namespace

Status ValidateAnyNamespace(std::string_view ns) {
  return IsInternalNamespace(ns) ? ValidateNamespaceName(ns.substr(1)) : ValidateNamespaceName(ns);
}

std::unique_ptr<Namespace> NamespaceRegistry::MakeNamespace(std::string_view ns) const {
  auto n = std::make_unique<Namespace>();
  n->name = std::string(ns);
  n->expired_dropped = std::make_shared<std::atomic<uint64_t>>(0);
  n->compactions_base = resources_.compactions->Completed(FamilyName(ns));
  return n;
}

void NamespaceRegistry::Insert(std::unique_ptr<Namespace> ns) {
  if (!IsInternalNamespace(ns->name)) ++user_count_;
  std::string name = ns->name;
  namespaces_.emplace(std::move(name), std::move(ns));
}

rocksdb::ColumnFamilyOptions NamespaceRegistry::OptionsFor(const Namespace& ns) const {
  return MakeColumnFamilyOptions(options_, resources_, clock_, ns.expired_dropped);
}

Result<std::unique_ptr<rocksdb::DB>> NamespaceRegistry::OpenDatabase(
    const rocksdb::DBOptions& db_options, const std::string& path) {
  std::vector<std::string> families;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, path, &families);
  if (!s.ok()) families = {rocksdb::kDefaultColumnFamilyName};  // a new database

  // On a reopen (after ReleaseHandles) the namespaces known before are found again and keep
  // their counters; their compaction filters count into the same expired_dropped.
  std::unique_lock lock(mu_);
  std::vector<Namespace*> known(families.size(), nullptr);
  std::vector<std::unique_ptr<Namespace>> created(families.size());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < families.size(); ++i) {
    const std::string& family = families[i];
    if (family.starts_with(kFamilyPrefix)) {
      const std::string name = family.substr(kFamilyPrefix.size());
      auto it = namespaces_.find(name);
      if (it != namespaces_.end()) {
        known[i] = it->second.get();
      } else {
        created[i] = MakeNamespace(name);
        known[i] = created[i].get();
      }
    }
    // RocksDB's "default" family (and any stranger) gets namespace options with a counter
    // nobody reads; only the version lease lives there.
    descriptors.emplace_back(family, OptionsFor(known[i] ? *known[i] : *MakeNamespace(family)));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "opening the database in " + path);
  std::unique_ptr<rocksdb::DB> db(raw);
  db_ = raw;

  for (size_t i = 0; i < handles.size(); ++i) {
    if (known[i] == nullptr) {
      if (families[i] == rocksdb::kDefaultColumnFamilyName) {
        default_handle_ = handles[i];
      } else {
        db->DestroyColumnFamilyHandle(handles[i]).PermitUncheckedError();  // not ours
      }
      continue;
    }
    known[i]->handle = handles[i];
    if (created[i]) Insert(std::move(created[i]));
  }
  // A namespace the reopened database does not list (its creation never reached the MANIFEST)
  // has no handle: forget it.
  for (auto it = namespaces_.begin(); it != namespaces_.end();) {
    if (it->second->handle != nullptr) {
      ++it;
      continue;
    }
    if (!IsInternalNamespace(it->first)) --user_count_;
    it = namespaces_.erase(it);
  }
  return db;
}

NamespaceRef NamespaceRegistry::Find(std::string_view ns) const {
  // The hold is taken under mu_: a Drop removes the namespace under mu_ before it waits for the
  // holds, so it never misses one.
  std::shared_lock lock(mu_);
  auto it = namespaces_.find(ns);
  return it == namespaces_.end() ? NamespaceRef() : NamespaceRef(it->second.get());
}

Result<NamespaceRef> NamespaceRegistry::FindOrCreate(std::string_view ns) {
  if (NamespaceRef found = Find(ns)) return found;
  std::lock_guard create_lock(create_mu_);
  if (NamespaceRef found = Find(ns)) return found;  // created while we waited
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
  NamespaceRef result(created.get());
  Insert(std::move(created));
  return result;
}

Result<bool> NamespaceRegistry::Drop(std::string_view ns) {
  std::lock_guard create_lock(create_mu_);  // no new incarnation before the old one is gone
  std::unique_ptr<Namespace> gone;
  {
    std::unique_lock lock(mu_);
    auto it = namespaces_.find(ns);
    if (it == namespaces_.end()) return false;
    gone = std::move(it->second);
    namespaces_.erase(it);
    if (!IsInternalNamespace(ns)) --user_count_;
  }
  rocksdb::Status s;
  {
    std::unique_lock in_use(gone->in_use);  // the operations that found it have ended
    s = db_->DropColumnFamily(gone->handle);
    if (s.ok()) {
      // RocksDB deletes the family's files when its last handle goes.
      db_->DestroyColumnFamilyHandle(gone->handle).PermitUncheckedError();
      gone->handle = nullptr;
    }
  }
  if (!s.ok()) {
    std::unique_lock lock(mu_);
    Insert(std::move(gone));
    return FromRocks(s, "dropping namespace '" + std::string(ns) + "'");
  }
  return true;
}

std::vector<std::string> NamespaceRegistry::Names() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> names;
  names.reserve(namespaces_.size());
  for (const auto& [name, ns] : namespaces_) names.push_back(name);
  return names;
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
