// A memcached request as the parser (memcached/parser.h) hands it to the executor: the command
// and its arguments, typed and checked, for the text protocol (get, set, incr, ...) and the meta
// protocol (mg, ms, md, ma, me, mn).
//
// One flat struct for every command (the comment on each field says which commands use it), so
// that a session reuses one Request and its key vector from command to command without
// allocating. The string_views point into the buffer given to Parse(): they are valid until the
// caller changes or drops those bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apicached::memcached {

// memcached's KEY_MAX_LENGTH.
inline constexpr size_t kMaxKeyBytes = 250;

enum class Command {
  // Text protocol.
  kGet,
  kGets,
  kGat,
  kGats,
  kSet,
  kAdd,
  kReplace,
  kAppend,
  kPrepend,
  kCas,
  kDelete,
  kIncr,
  kDecr,
  kTouch,
  kFlushAll,
  kVersion,
  kVerbosity,
  kQuit,
  kStats,
  // Meta protocol.
  kMetaGet,
  kMetaSet,
  kMetaDelete,
  kMetaArithmetic,
  kMetaDebug,
  kMetaNoop,
};

// How a storage command (set ... cas, ms with its M flag) stores.
enum class StoreMode { kSet, kAdd, kReplace, kAppend, kPrepend, kCas };

struct Request {
  Command command = Command::kVersion;

  // Every keyed command but get/gets/gat/gats: the key as sent (for meta with 'b', base64).
  std::string_view key;
  // get/gets/gat/gats: one or more keys (gat/gats: possibly none, memcached answers END).
  std::vector<std::string_view> keys;

  // set/add/replace/append/prepend/cas and ms: how to store, the data block, the client flags.
  StoreMode mode = StoreMode::kSet;
  std::string_view data;
  uint32_t client_flags = 0;
  // A storage command whose data block is over ParserOptions::max_item_bytes. The block is not
  // in `data`; ParseResult::swallow says how many bytes to discard. memcached then answers
  // "SERVER_ERROR object too large for cache" and removes the key's current item for set (and
  // for every ms), so that a reader never sees the value that the client meant to replace.
  bool too_large = false;

  // The memcached exptime of set..cas, touch, gat/gats (see memcached/expiry.h); the delay of
  // flush_all.
  int32_t exptime = 0;
  // cas: the compare value.
  uint64_t cas_unique = 0;
  // incr/decr: the delta.
  uint64_t delta = 0;
  // verbosity: the level (accepted and ignored).
  uint32_t verbosity = 0;
  // stats: the arguments after "stats" ("" for plain stats).
  std::string_view stats_group;

  // The text protocol's noreply: no answer unless an error the parser could not attribute.
  bool noreply = false;

  // --- Meta commands ---------------------------------------------------------------------------
  // Every flag token in request order (its first byte is the flag, the rest its token); the
  // composer returns flags in this order, as memcached does.
  std::vector<std::string_view> meta_flags;
  bool key_base64 = false;  // 'b': `key` is base64, `binary_key` holds the decoded bytes
  std::string binary_key;
  bool quiet = false;                   // 'q'
  bool return_value = false;            // 'v'
  std::optional<int32_t> ttl;           // 'T': new TTL (mg, ma: on hit; ms: the item's; md with I)
  std::optional<int32_t> vivify_ttl;    // 'N': mg: create on miss; ma: create on miss
  std::optional<int32_t> recache_ttl;   // 'R': mg: win the recache below this TTL
  std::optional<uint64_t> compare_cas;  // 'C'
  bool invalidate = false;              // 'I'
  uint64_t initial = 0;                 // 'J' (ma)
  bool increment = true;                // ma mode: 'MI'/'M+' (default) or 'MD'/'M-'
  // (ms: `mode` from M, `client_flags` from F, `data`; ma: `delta` from D, default 1.)

  // The key the command names: the decoded bytes for a meta command with 'b'.
  std::string_view Key() const { return key_base64 ? std::string_view(binary_key) : key; }
  // Whether the meta flag byte f was given.
  bool HasFlag(char f) const {
    for (std::string_view t : meta_flags)
      if (t[0] == f) return true;
    return false;
  }
};

}  // namespace apicached::memcached
