#include "memcached/lease_table.h"

namespace apicached::memcached {

std::string LeaseTable::Id(std::string_view ns, std::string_view key) {
  std::string id;
  id.reserve(ns.size() + 1 + key.size());
  id.append(ns).push_back('\0');  // no namespace name holds a NUL
  id.append(key);
  return id;
}

LeaseMarks LeaseTable::Get(std::string_view ns, std::string_view key, uint64_t version) const {
  std::lock_guard lock(mu_);
  if (slots_.empty()) return {};
  auto it = slots_.find(Id(ns, key));
  if (it == slots_.end() || it->second.version != version) return {};
  return it->second.marks;
}

void LeaseTable::Set(std::string_view ns, std::string_view key, uint64_t version,
                     LeaseMarks marks) {
  std::string id = Id(ns, key);
  std::lock_guard lock(mu_);
  auto [it, inserted] = slots_.try_emplace(id);
  it->second = Slot{version, marks};
  if (!inserted) return;
  order_.push_back(std::move(id));
  while (slots_.size() > max_entries_ && !order_.empty()) {
    slots_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace apicached::memcached
