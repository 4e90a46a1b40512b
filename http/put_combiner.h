// PutCombiner: the plain PUTs (no If-Match, If-None-Match, lease or grace) that the connections
// of one I/O thread leave in one turn of its event loop, written as ONE store batch at the
// thread's next group commit instead of one store write each (net/commit_combiner.h;
// docs/API.md, "PUTs of many connections in one batch"). A PUT is answered only once its
// write is durable, so holding it until that commit delays no answer; its connection reads
// nothing more meanwhile, and another connection sees the key as it was until then, as if its
// request had come first.
//
// The batch is CacheService::WriteAtomically over every held PUT (whatever its namespace): it
// says per key whether a live entry was replaced (204) or not (201). A batch the store refuses
// for one of its entries (over the size limit or a quota, a key it refuses) writes nothing; each
// PUT is then written alone, with its own answer, as without combining. A store that cannot
// write (503), and a failed commit, answer every held PUT with that error.
//
// Thread safety: a PutRunner is shared by the I/O threads; Hold and RunCombined run on the I/O
// thread whose io_context holds the PUT (RunCombined through that thread's combiner).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "cache/cache_service.h"
#include "http/router.h"
#include "net/commit_combiner.h"
#include "net/group_commit.h"

namespace apicached::http {

// One held PUT: its write, how its answer is made, and where the answer goes.
struct HeldPut final : net::CommitWaiter {
  cache::AtomicWrite write;  // a put (remove false), with no expected_version
  // The answer to a stored write: created (201) or replaced (204), with the entry's headers.
  std::function<Response(bool created, const cache::ItemMeta& meta)> answer;
  Complete complete;     // set by PutRunner::Hold
  Response response;     // set by RunCombined
  bool written = false;  // set by RunCombined: the write was made, the commit makes it durable

  // After the commit: the answer RunCombined made, or the commit's error.
  void Resume(const Status& status) override;
  bool NeedsCommit() const override { return written; }
};

class PutRunner {
 public:
  explicit PutRunner(cache::CacheService& cache) : cache_(cache) {}

  // Holds `put` for the next commit of `io`'s thread; answers it through `complete` after that
  // commit. REQUIRES: called on the I/O thread that `io` runs.
  void Hold(const boost::asio::any_io_executor& io, std::shared_ptr<HeldPut> put,
            Complete complete);

  // The held PUTs of one commit, in the order they came: one batch, then each answer.
  void RunCombined(std::vector<std::shared_ptr<HeldPut>>& puts);

 private:
  cache::CacheService& cache_;
};

using PutCombiner = net::CommitCombiner<PutRunner, std::shared_ptr<HeldPut>>;

}  // namespace apicached::http
