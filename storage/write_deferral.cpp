#include "storage/write_deferral.h"

namespace apicached {

thread_local int WriteDeferral::depth_ = 0;
thread_local uint64_t WriteDeferral::deferred_ = 0;

}  // namespace apicached
