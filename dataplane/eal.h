// EAL start-up: builds DPDK's argument list from sluiced's options, choosing hugepages when
// enough are free and falling back to --no-huge (with a log line) when not.
#pragma once

#include "dataplane/options.h"
#include "openflow/result.h"

namespace sluice::dp {

struct EalInfo {
  bool hugepages = false;
};

Result<EalInfo> start_eal(const DaemonOptions& opts, const char* argv0);
// Releases DPDK and removes its runtime directory.
void stop_eal();

}  // namespace sluice::dp
