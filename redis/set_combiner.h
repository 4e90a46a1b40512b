// SetCombiner: the plain SETs that end the pipelines of one I/O thread's Redis connections in one
// turn of its event loop, run as one store batch per namespace at the thread's next commit
// (net/commit_combiner.h; docs/redis.md, "Pipelined SETs"). Session::StageWrites adds them;
// Executor::RunCombined runs them.
#pragma once

#include "net/commit_combiner.h"
#include "redis/executor.h"

namespace apicached::redis {

using SetCombiner = net::CommitCombiner<Executor, Executor::HeldSet>;

}  // namespace apicached::redis
