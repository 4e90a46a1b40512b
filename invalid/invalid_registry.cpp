#include "invalid/invalid_registry.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

namespace apicached {
namespace {

using nlohmann::json;

// '_' rather than '.': the store takes an internal name as '.' plus a valid user name.
constexpr std::string_view kNamespacePrefix = ".invalid_";
// Catalog of lists ever written: key = list name, so that Lists() and figures survive a restart
// (ListNamespaces() hides internal namespaces).
constexpr std::string_view kCatalogNamespace = ".invalid";
constexpr std::string_view kJsonType = "application/json";
constexpr size_t kCatalogPage = 1000;

// The stored form holds epoch milliseconds (exact, cheap to compare); the expiry is the entry's
// own, so it is never written twice.
std::string EncodeRecord(const InvalidRecord& r) {
  return json{{"reason", r.reason},
              {"first_seen_ms", r.first_seen_ms},
              {"last_seen_ms", r.last_seen_ms},
              {"attempts", r.attempts}}
      .dump();
}

Result<InvalidRecord> DecodeRecord(const Entry& entry, std::string_view id) {
  const json j = json::parse(entry.value, nullptr, /*allow_exceptions=*/false);
  auto bad = [&] {
    return Status::Internal("stored invalid-ID record '" + std::string(id) +
                            "' is not a record apicached wrote; DELETE it to reset it");
  };
  if (!j.is_object()) return bad();
  const auto reason = j.find("reason");
  const auto first = j.find("first_seen_ms");
  const auto last = j.find("last_seen_ms");
  const auto attempts = j.find("attempts");
  if (reason == j.end() || !reason->is_string() || first == j.end() ||
      !first->is_number_integer() || last == j.end() || !last->is_number_integer() ||
      attempts == j.end() || !attempts->is_number_unsigned()) {
    return bad();
  }
  // Every report rewrites the entry, so the entry's write time IS the last report's time, taken
  // from the same clock reading as its expiry: expires_at is always last_seen + ttl, to the
  // millisecond. (The time the report callback saw, stored in the value, can be a tick later.)
  const uint64_t count = attempts->get<uint64_t>();
  return InvalidRecord{.reason = reason->get<std::string>(),
                       .first_seen_ms = count <= 1 ? entry.info.created_ms : first->get<int64_t>(),
                       .last_seen_ms = entry.info.created_ms,
                       .attempts = count,
                       .expires_ms = entry.info.expires_ms};
}

Status ValidateTtl(int64_t ttl_seconds, std::string_view what) {
  if (ttl_seconds < 0 || ttl_seconds > kMaxInvalidTtlSeconds) {
    return Status::InvalidArgument(std::string(what) + " " + std::to_string(ttl_seconds) +
                                   " is out of range: give 0 (never expires) to " +
                                   std::to_string(kMaxInvalidTtlSeconds) + " seconds");
  }
  return Status::Ok();
}

}  // namespace

std::string FormatIsoUtcMillis(int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{epoch_ms}};
  const sys_days day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{tp - day};
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

json InvalidRecordToJson(const InvalidRecord& record) {
  return json{{"reason", record.reason},
              {"first_seen", FormatIsoUtcMillis(record.first_seen_ms)},
              {"last_seen", FormatIsoUtcMillis(record.last_seen_ms)},
              {"attempts", record.attempts},
              {"expires_at", record.expires_ms == 0 ? json(nullptr)
                                                    : json(FormatIsoUtcMillis(record.expires_ms))}};
}

Status ValidateInvalidListName(std::string_view list) {
  if (list.size() > kMaxInvalidListNameChars) {
    return Status::InvalidArgument("invalid-ID list name is " + std::to_string(list.size()) +
                                   " characters long; at most " +
                                   std::to_string(kMaxInvalidListNameChars) + " are allowed");
  }
  Status s = ValidateNamespaceName(list);
  if (!s.ok()) return Status::InvalidArgument("invalid-ID list name: " + s.message());
  return s;
}

Status ValidateInvalidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxInvalidIdBytes) {
    return Status::InvalidArgument("identifier must be 1 to " + std::to_string(kMaxInvalidIdBytes) +
                                   " bytes, got " + std::to_string(id.size()));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c < 0x21 || c > 0x7E || c == '/') {
      return Status::InvalidArgument("identifier byte " + std::to_string(i) +
                                     " is not printable ASCII other than space and '/'");
    }
  }
  return Status::Ok();
}

InvalidRegistry::InvalidRegistry(Store& store, InvalidRegistryOptions options)
    : store_(store), options_(std::move(options)) {
  for (const auto& [list, ttl] : options_.list_ttl_seconds) {
    lists_.emplace(list, std::make_unique<ListState>());
  }
}

Result<std::unique_ptr<InvalidRegistry>> InvalidRegistry::Open(Store& store,
                                                               InvalidRegistryOptions options) {
  if (Status s = ValidateTtl(options.default_ttl_seconds, "invalid-ID default TTL"); !s.ok()) {
    return s;
  }
  for (const auto& [list, ttl] : options.list_ttl_seconds) {
    if (Status s = ValidateInvalidListName(list); !s.ok()) return s;
    if (Status s = ValidateTtl(ttl, "TTL of invalid-ID list '" + list + "'"); !s.ok()) return s;
  }
  if (options.list_ttl_seconds.size() > options.max_lists) {
    return Status::InvalidArgument(
        "invalid-ID lists: " + std::to_string(options.list_ttl_seconds.size()) +
        " configured, more than max_lists " + std::to_string(options.max_lists));
  }
  if (options.max_page_size == 0 || options.max_reason_bytes == 0) {
    return Status::InvalidArgument("invalid-ID max_page_size and max_reason_bytes must be > 0");
  }
  std::unique_ptr<InvalidRegistry> registry(new InvalidRegistry(store, std::move(options)));
  if (Status s = registry->LoadCatalog(); !s.ok()) return s;
  return registry;
}

Status InvalidRegistry::LoadCatalog() {
  std::optional<std::string> after;
  do {
    Result<ScanPage> page = store_.Scan(kCatalogNamespace, "", after, kCatalogPage);
    if (!page.ok()) return page.status();
    for (const auto& [list, entry] : page->entries) {
      if (!ValidateInvalidListName(list).ok()) {
        return Status::Internal("catalog of invalid-ID lists holds a bad name '" + list + "'");
      }
      auto& state = lists_[list];
      if (state == nullptr) state = std::make_unique<ListState>();
      state->in_catalog = true;
    }
    after = page->next_after;
  } while (after.has_value());
  return Status::Ok();
}

std::string InvalidRegistry::NamespaceOf(std::string_view list) {
  std::string ns(kNamespacePrefix);
  ns += list;
  return ns;
}

int64_t InvalidRegistry::TtlSeconds(std::string_view list) const {
  const auto it = options_.list_ttl_seconds.find(std::string(list));
  return it == options_.list_ttl_seconds.end() ? options_.default_ttl_seconds : it->second;
}

InvalidRegistry::ListState* InvalidRegistry::FindList(std::string_view list) const {
  std::shared_lock lock(mu_);
  const auto it = lists_.find(list);
  return it == lists_.end() ? nullptr : it->second.get();
}

Result<InvalidRegistry::ListState*> InvalidRegistry::ListForWrite(const std::string& list) {
  {
    std::shared_lock lock(mu_);
    const auto it = lists_.find(list);
    if (it != lists_.end() && it->second->in_catalog) return it->second.get();
  }
  std::unique_lock lock(mu_);
  auto it = lists_.find(list);
  if (it == lists_.end()) {
    if (lists_.size() >= options_.max_lists) {
      return Status::ResourceExhausted("cannot create invalid-ID list '" + list +
                                       "': " + std::to_string(options_.max_lists) +
                                       " lists exist already (max_lists)");
    }
  } else if (it->second->in_catalog) {
    return it->second.get();
  }
  // Written before the list's first record so that a crash cannot leave records of a list that
  // Lists() does not know.
  auto put = store_.Put(kCatalogNamespace, list, "{}", kJsonType, 0);
  if (!put.ok()) return put.status();
  if (it == lists_.end()) it = lists_.emplace(list, std::make_unique<ListState>()).first;
  it->second->in_catalog = true;
  return it->second.get();
}

Status InvalidRegistry::ValidateReason(std::string_view reason) const {
  if (reason.empty() || reason.size() > options_.max_reason_bytes) {
    return Status::InvalidArgument("reason must be 1 to " +
                                   std::to_string(options_.max_reason_bytes) + " bytes, got " +
                                   std::to_string(reason.size()));
  }
  for (size_t i = 0; i < reason.size(); ++i) {
    const auto c = static_cast<unsigned char>(reason[i]);
    if (c < 0x20 || c > 0x7E) {
      return Status::InvalidArgument("reason byte " + std::to_string(i) +
                                     " is not printable ASCII");
    }
  }
  return Status::Ok();
}

Result<InvalidReport> InvalidRegistry::Report(std::string_view list, std::string_view id,
                                              std::string_view reason,
                                              std::optional<int64_t> ttl_seconds) {
  if (Status s = ValidateInvalidListName(list); !s.ok()) return s;
  if (Status s = ValidateInvalidId(id); !s.ok()) return s;
  if (Status s = ValidateReason(reason); !s.ok()) return s;
  const int64_t ttl = ttl_seconds.value_or(TtlSeconds(list));
  if (Status s = ValidateTtl(ttl, "ttl"); !s.ok()) return s;
  Result<ListState*> state = ListForWrite(std::string(list));
  if (!state.ok()) return state.status();

  InvalidReport report;
  const Clock& clock = store_.clock();
  Result<std::optional<Entry>> after =
      store_.Mutate(NamespaceOf(list), id, [&](const Entry* current) -> Result<Mutation> {
        const int64_t now = clock.NowMillis();
        InvalidRecord record;
        record.reason = std::string(reason);
        record.first_seen_ms = now;
        report.created = current == nullptr;
        if (current != nullptr) {
          Result<InvalidRecord> old = DecodeRecord(*current, id);
          if (!old.ok()) return old.status();
          record.first_seen_ms = old->first_seen_ms;
          record.attempts = old->attempts;
        }
        record.last_seen_ms = now;
        record.attempts += 1;
        report.record = record;
        Mutation put;
        put.kind = Mutation::Kind::kPut;
        put.value = EncodeRecord(record);
        put.content_type = kJsonType;
        put.ttl_seconds = ttl;
        return put;
      });
  if (!after.ok()) return after.status();
  if (!after->has_value()) {
    return Status::Internal("store answered no entry right after writing invalid-ID record");
  }
  Result<InvalidRecord> stored = DecodeRecord(**after, id);  // the times as DecodeRecord says
  if (!stored.ok()) return stored.status();
  report.record = std::move(*stored);
  (*state)->reports.fetch_add(1, std::memory_order_relaxed);
  return report;
}

Result<InvalidRecord> InvalidRegistry::Get(std::string_view list, std::string_view id) {
  if (Status s = ValidateInvalidListName(list); !s.ok()) return s;
  if (Status s = ValidateInvalidId(id); !s.ok()) return s;
  ListState* state = FindList(list);
  Result<Entry> entry =
      state == nullptr
          ? Result<Entry>(Status::NotFound("no invalid-ID list '" + std::string(list) + "'"))
          : store_.Get(NamespaceOf(list), id);
  if (!entry.ok()) {
    if (entry.code() == Code::kNotFound && state != nullptr) {
      state->lookups_missed.fetch_add(1, std::memory_order_relaxed);
    }
    if (entry.code() == Code::kNotFound) {
      return Status::NotFound("'" + std::string(id) + "' is not in invalid-ID list '" +
                              std::string(list) + "'");
    }
    return entry.status();
  }
  state->lookups_found.fetch_add(1, std::memory_order_relaxed);
  return DecodeRecord(*entry, id);
}

Result<InvalidPage> InvalidRegistry::List(std::string_view list,
                                          std::optional<std::string> start_after, size_t limit) {
  if (Status s = ValidateInvalidListName(list); !s.ok()) return s;
  if (limit == 0 || limit > options_.max_page_size) {
    return Status::InvalidArgument("limit must be 1 to " + std::to_string(options_.max_page_size) +
                                   ", got " + std::to_string(limit));
  }
  Result<ScanPage> page = store_.Scan(NamespaceOf(list), "", std::move(start_after), limit);
  if (!page.ok()) return page.status();
  InvalidPage out;
  out.records.reserve(page->entries.size());
  for (auto& [id, entry] : page->entries) {
    Result<InvalidRecord> record = DecodeRecord(entry, id);
    if (!record.ok()) return record.status();
    out.records.emplace_back(std::move(id), std::move(*record));
  }
  out.next_after = std::move(page->next_after);
  return out;
}

Result<bool> InvalidRegistry::Remove(std::string_view list, std::string_view id) {
  if (Status s = ValidateInvalidListName(list); !s.ok()) return s;
  if (Status s = ValidateInvalidId(id); !s.ok()) return s;
  return store_.Delete(NamespaceOf(list), id);
}

std::vector<std::string> InvalidRegistry::Lists() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> names;
  names.reserve(lists_.size());
  for (const auto& [name, state] : lists_) names.push_back(name);
  return names;
}

Result<std::vector<InvalidListFigures>> InvalidRegistry::Figures() const {
  std::vector<InvalidListFigures> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(lists_.size());
    for (const auto& [name, state] : lists_) {
      InvalidListFigures& f = out.emplace_back();
      f.list = name;
      f.ttl_seconds = TtlSeconds(name);
      f.lookups_found = state->lookups_found.load(std::memory_order_relaxed);
      f.lookups_missed = state->lookups_missed.load(std::memory_order_relaxed);
      f.reports = state->reports.load(std::memory_order_relaxed);
    }
  }
  for (InvalidListFigures& f : out) {
    Result<NamespaceFigures> ns = store_.GetNamespace(NamespaceOf(f.list));
    if (ns.ok()) {
      f.approx_live_records = ns->approx_live_keys;
    } else if (ns.code() != Code::kNotFound) {
      return ns.status();
    }
  }
  return out;
}

}  // namespace apicached
