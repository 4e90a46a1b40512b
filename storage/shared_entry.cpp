#include <utility>

#include "storage/store.h"

namespace apicached {
namespace {

// An Entry that owns its own block.
struct OwnedEntry final : SharedBlock {
  explicit OwnedEntry(Entry&& e) : entry(std::move(e)) {}
  Entry entry;
};

}  // namespace

SharedEntry SharedEntry::Own(Entry&& entry) {
  auto* block = new OwnedEntry(std::move(entry));
  // The views are taken after the move: a short string's bytes live inside the string object.
  return SharedEntry{.value = block->entry.value,
                     .content_type = block->entry.content_type,
                     .info = block->entry.info,
                     .owner = BlockRef::Adopt(block)};
}

Entry SharedEntry::ToEntry() const {
  return Entry{
      .value = std::string(value), .content_type = std::string(content_type), .info = info};
}

Result<SharedEntry> Store::GetShared(std::string_view ns, std::string_view key) {
  Result<Entry> r = Get(ns, key);
  if (!r.ok()) return r.status();
  return SharedEntry::Own(std::move(*r));
}

Result<std::vector<std::optional<SharedEntry>>> Store::MultiGetShared(
    std::string_view ns, std::span<const std::string_view> keys) {
  auto r = MultiGet(ns, std::vector<std::string>(keys.begin(), keys.end()));
  if (!r.ok()) return r.status();
  std::vector<std::optional<SharedEntry>> out(r->size());
  for (size_t i = 0; i < out.size(); ++i) {
    if ((*r)[i]) out[i] = SharedEntry::Own(std::move(*(*r)[i]));
  }
  return out;
}

}  // namespace apicached
