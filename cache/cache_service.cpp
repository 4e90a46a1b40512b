#include "cache/cache_service.h"

// A stub that compiles against the contract; the implementation lands next.
namespace apicached::cache {

namespace {
Status NotYet() {
  return Status::Unavailable("the cache layer is not implemented yet");
}
}  // namespace

struct CacheService::AtomicCounters {};

CacheService::CacheService(Store& store, const Clock& clock, CacheServiceOptions options,
                           CacheObserver* observer)
    : store_(store),
      clock_(clock),
      options_(options),
      observer_(observer),
      counters_(std::make_unique<AtomicCounters[]>(kProtocolCount)) {}

CacheService::~CacheService() = default;

Status CacheService::CheckNamespace(std::string_view ns) {
  if (IsInternalNamespace(ns)) {
    return Status::InvalidArgument("namespace names starting with '.' are internal");
  }
  return ValidateNamespaceName(ns);
}

Result<Item> CacheService::Get(Protocol, std::string_view, std::string_view) {
  return NotYet();
}
Result<std::vector<std::optional<Item>>> CacheService::MultiGet(Protocol, std::span<const KeyRef>) {
  return NotYet();
}
Result<Item> CacheService::GetAndTouch(Protocol, std::string_view, std::string_view, Expiry) {
  return NotYet();
}
Result<WriteResult> CacheService::Write(Protocol, std::string_view, std::string_view,
                                        const WriteRequest&) {
  return NotYet();
}
namespace {
// GCC 12 warns on designated initializers that leave fields out; fields are set by name here.
WriteRequest Request(WriteMode mode, std::string_view data, uint32_t flags = 0,
                     Expiry expiry = Expiry::Default()) {
  WriteRequest r;
  r.mode = mode;
  r.data = data;
  r.flags = flags;
  r.expiry = expiry;
  return r;
}
}  // namespace

Result<WriteResult> CacheService::Set(Protocol p, std::string_view ns, std::string_view key,
                                      std::string_view data, uint32_t flags, Expiry expiry) {
  return Write(p, ns, key, Request(WriteMode::kSet, data, flags, expiry));
}
Result<WriteResult> CacheService::Add(Protocol p, std::string_view ns, std::string_view key,
                                      std::string_view data, uint32_t flags, Expiry expiry) {
  return Write(p, ns, key, Request(WriteMode::kAdd, data, flags, expiry));
}
Result<WriteResult> CacheService::Replace(Protocol p, std::string_view ns, std::string_view key,
                                          std::string_view data, uint32_t flags, Expiry expiry) {
  return Write(p, ns, key, Request(WriteMode::kReplace, data, flags, expiry));
}
Result<WriteResult> CacheService::Append(Protocol p, std::string_view ns, std::string_view key,
                                         std::string_view data) {
  return Write(p, ns, key, Request(WriteMode::kAppend, data));
}
Result<WriteResult> CacheService::Prepend(Protocol p, std::string_view ns, std::string_view key,
                                          std::string_view data) {
  return Write(p, ns, key, Request(WriteMode::kPrepend, data));
}
Result<WriteResult> CacheService::CompareAndSet(Protocol p, std::string_view ns,
                                                std::string_view key, uint64_t expected_version,
                                                std::string_view data, uint32_t flags,
                                                Expiry expiry) {
  WriteRequest r = Request(WriteMode::kSet, data, flags, expiry);
  r.expected_version = expected_version;
  return Write(p, ns, key, r);
}
Status CacheService::Delete(Protocol, std::string_view, std::string_view, std::optional<uint64_t>) {
  return NotYet();
}
Result<ArithResult> CacheService::Arith(Protocol, std::string_view, std::string_view,
                                        const ArithRequest&) {
  return NotYet();
}
Result<int64_t> CacheService::IncrSigned(Protocol, std::string_view, std::string_view, int64_t,
                                         Expiry) {
  return NotYet();
}
Result<ItemMeta> CacheService::Touch(Protocol, std::string_view, std::string_view, Expiry) {
  return NotYet();
}
Result<std::optional<Entry>> CacheService::Mutate(Protocol, std::string_view, std::string_view,
                                                  const MutateFn&) {
  return NotYet();
}
Result<std::vector<ItemMeta>> CacheService::MultiSet(Protocol, std::string_view,
                                                     const std::vector<PutItem>&) {
  return NotYet();
}
Result<uint64_t> CacheService::DeleteMany(Protocol, std::string_view,
                                          const std::vector<std::string>&) {
  return NotYet();
}
Result<uint64_t> CacheService::DeletePrefix(Protocol, std::string_view, std::string_view) {
  return NotYet();
}
Status CacheService::Clear(Protocol, std::string_view) {
  return NotYet();
}
Result<std::vector<NamespaceFigures>> CacheService::ListNamespaces() {
  return NotYet();
}
Result<NamespaceFigures> CacheService::GetNamespace(std::string_view) {
  return NotYet();
}
OpCounters CacheService::Counters(Protocol) const {
  return {};
}

}  // namespace apicached::cache
