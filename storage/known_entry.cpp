#include "storage/known_entry.h"

namespace apicached {

thread_local const KnownEntryScope* KnownEntryScope::current_ = nullptr;

KnownEntryScope::KnownEntryScope(std::string_view ns, std::string_view key,
                                 const KnownEntrySource& source)
    : ns_(ns), key_(key), source_(&source), outer_(current_) {
  current_ = this;
}

KnownEntryScope::KnownEntryScope(const KnownEntriesSource& source)
    : sources_(&source), outer_(current_) {
  current_ = this;
}

KnownEntryScope::~KnownEntryScope() {
  current_ = outer_;
}

std::optional<EntryInfo> KnownEntryScope::Ask(std::string_view ns, std::string_view key,
                                              int64_t now_ms) {
  const KnownEntryScope* scope = current_;
  if (scope == nullptr) return std::nullopt;
  if (scope->sources_ != nullptr) return scope->sources_->Known(ns, key, now_ms);
  if (scope->ns_ != ns || scope->key_ != key) return std::nullopt;
  return scope->source_->Known(now_ms);
}

}  // namespace apicached
