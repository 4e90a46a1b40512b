// SharedBlock and BlockRef: an immutable block of memory shared by an atomic reference count,
// and a counted reference to one. The RAM tier's entries are such blocks, so that a reader can
// hold a hit's bytes (SharedEntry, store.h) while the tier evicts, replaces or invalidates the
// entry: the block is freed when its last reference goes.
//
// Thread safety: Ref/Unref from any thread; a BlockRef is a value (copy it freely). What a block
// holds must not change once it is shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace apicached {

class SharedBlock {
 public:
  SharedBlock() = default;
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;

  void Ref() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) Destroy();
  }

 protected:
  virtual ~SharedBlock() = default;
  // Frees the block once the last reference is gone; the default suits blocks made with new.
  virtual void Destroy() const { delete this; }

 private:
  mutable std::atomic<uint32_t> refs_{1};  // starts with its creator's reference
};

// A counted reference to a SharedBlock, or none.
class BlockRef {
 public:
  BlockRef() = default;
  // Takes over a reference the caller holds (a new block's first one).
  static BlockRef Adopt(const SharedBlock* block) { return BlockRef(block); }
  // Adds a reference.
  static BlockRef Share(const SharedBlock* block) {
    if (block != nullptr) block->Ref();
    return BlockRef(block);
  }
  BlockRef(const BlockRef& o) : block_(o.block_) {
    if (block_ != nullptr) block_->Ref();
  }
  BlockRef(BlockRef&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
  BlockRef& operator=(BlockRef o) noexcept {
    std::swap(block_, o.block_);
    return *this;
  }
  ~BlockRef() {
    if (block_ != nullptr) block_->Unref();
  }
  const SharedBlock* get() const { return block_; }
  explicit operator bool() const { return block_ != nullptr; }

 private:
  explicit BlockRef(const SharedBlock* block) : block_(block) {}
  const SharedBlock* block_ = nullptr;
};

}  // namespace apicached
