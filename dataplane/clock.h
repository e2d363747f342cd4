// The dataplane's coarse clock: whole seconds from the TSC, the same scale on every lcore.
// Workers stamp MAC entries with it; the control lcore ages them with it.
#pragma once

#include <cstdint>

#include <rte_cycles.h>

namespace sluice::dp {

inline uint32_t now_seconds() noexcept {
  return static_cast<uint32_t>(rte_get_tsc_cycles() / rte_get_tsc_hz());
}

}  // namespace sluice::dp
