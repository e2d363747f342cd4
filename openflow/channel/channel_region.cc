#include "openflow/channel/channel_region.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

namespace sluice::of::region {

Result<std::string> shm_name(std::string_view name) {
  if (name.empty() || name.size() > 200) {
    return fail("channel name '" + std::string(name) + "' must be 1..200 characters long");
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      return fail("channel name '" + std::string(name) +
                  "' may only contain letters, digits, '-', '_' and '.'");
    }
  }
  return std::string(layout::kShmPrefix) + std::string(name);
}

bool pid_alive(pid_t pid) noexcept {
  if (pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::string quoted(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('\'');
  out.append(name);
  out.push_back('\'');
  return out;
}

std::string errno_text(int err) { return std::strerror(err); }

void* map_shared(int fd, size_t bytes) noexcept {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void Backoff::pause() noexcept {
  constexpr uint32_t kYieldRounds = 16;
  if (round_ < kYieldRounds) {
    ++round_;
    std::this_thread::yield();
    return;
  }
  const uint32_t step = std::min<uint32_t>(round_ - kYieldRounds, 6);  // 20 us << 6 ≈ 1.3 ms
  if (round_ < kYieldRounds + 6) ++round_;
  std::this_thread::sleep_for(std::chrono::microseconds(20u << step));
}

}  // namespace sluice::of::region
