// HotFigures: what the hot tier reports to metrics/ (TieredStore::hot_figures()).
#pragma once

#include <cstdint>
#include <string>

namespace apicached {

struct HotFigures {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
  uint64_t capacity_bytes = 0;
  uint64_t warmup_keys_loaded = 0;  // entries the last warm-up put in RAM
  double warmup_seconds = 0;        // how long it took (so far, while running)
  bool warmup_done = false;         // finished (also true when there was nothing to load)
  // Non-empty when the warm-up failed (its record could not be read, or a store read of its
  // keys failed): why. The tier works, just colder; the next record replaces the damaged one.
  std::string warmup_error;
  uint64_t hot_set_records = 0;        // records written since start
  uint64_t hot_set_keys_recorded = 0;  // keys in the last record
  uint64_t hot_set_record_errors = 0;  // periodic records and warm-up loads that failed
};

}  // namespace apicached
