// Per-worker fast-path state (the worker and its burst, the egress's transmit buffers, the
// counters, the MAC cache) in DPDK's hugepage memory rather than on the heap: a few 2 MB pages
// instead of hundreds of 4 KB ones (fewer TLB misses), and the same cache placement from start
// to start (on 4 KB pages it depends on which physical frames a start happens to get). Falls
// back to the heap, cache-line aligned, when the hugepage heap has no room (a small --memory).
//
//   HugeUnique<T> p = make_huge<T>(args...);
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#include <rte_common.h>
#include <rte_malloc.h>

namespace sluice::dp {

template <typename T>
struct HugeDelete {
  bool huge = true;  // from rte_malloc (else from aligned operator new)
  void operator()(T* p) const noexcept {
    if (p == nullptr) return;
    p->~T();
    if (huge) {
      rte_free(p);
    } else {
      ::operator delete(p, std::align_val_t{kAlign});
    }
  }
  static constexpr size_t kAlign = std::max<size_t>(alignof(T), RTE_CACHE_LINE_SIZE);
};

template <typename T>
using HugeUnique = std::unique_ptr<T, HugeDelete<T>>;

template <typename T, typename... Args>
HugeUnique<T> make_huge(Args&&... args) {
  constexpr size_t align = HugeDelete<T>::kAlign;
  bool huge = true;
  void* mem = rte_malloc(nullptr, sizeof(T), align);
  if (mem == nullptr) {
    huge = false;
    mem = ::operator new(sizeof(T), std::align_val_t{align});
  }
  try {
    return HugeUnique<T>(new (mem) T(std::forward<Args>(args)...), HugeDelete<T>{huge});
  } catch (...) {  // the constructor threw: give the memory back
    if (huge) {
      rte_free(mem);
    } else {
      ::operator delete(mem, std::align_val_t{align});
    }
    throw;
  }
}

}  // namespace sluice::dp
