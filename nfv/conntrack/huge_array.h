// HugeArray<T>: a fixed array of n T for a table workers probe at random (the connection
// table's entries and index). Its memory is mapped anonymously and advised to the kernel's
// transparent huge pages (MADV_HUGEPAGE; the machine's THP mode is often "madvise"), so that a
// million random lookups do not each miss the TLB on a 4 KiB page. Without THP it is ordinary
// memory. Allocation failure throws std::bad_alloc (construction time, never the fast path).
// POSIX mmap alone, so the ThreadSanitizer and fuzz builds use it as they use the rest.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace sluice::nfv::ct {

template <class T>
class HugeArray {
 public:
  explicit HugeArray(size_t n) : n_(n == 0 ? 1 : n) {
    bytes_ = (n_ * sizeof(T) + kHugePage - 1) / kHugePage * kHugePage;
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, bytes_, MADV_HUGEPAGE);  // advice: ignored where THP is off
#endif
    data_ = static_cast<T*>(p);
    for (size_t i = 0; i < n_; ++i) new (&data_[i]) T();
  }
  ~HugeArray() {
    for (size_t i = 0; i < n_; ++i) data_[i].~T();
    munmap(data_, bytes_);
  }
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;

  T& operator[](size_t i) noexcept { return data_[i]; }
  const T& operator[](size_t i) const noexcept { return data_[i]; }
  size_t size() const noexcept { return n_; }
  // Bytes mapped (a whole number of 2 MiB pages).
  size_t bytes() const noexcept { return bytes_; }

 private:
  static constexpr size_t kHugePage = size_t{2} << 20;
  size_t n_;
  size_t bytes_ = 0;
  T* data_ = nullptr;
};

}  // namespace sluice::nfv::ct
