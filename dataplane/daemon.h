// Daemon: brings sluiced up (EAL, memory, tables, control channel, metrics, workers), runs the
// control service on the main lcore until SIGINT/SIGTERM, and takes everything down again.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "dataplane/composition.h"
#include "dataplane/options.h"
#include "openflow/result.h"

namespace sluice::dp {

class Daemon {
 public:
  // Initialises EAL and every part, the workers running the stages 'parts' makes; errors say
  // what failed and why.
  static Result<std::unique_ptr<Daemon>> start(const DaemonOptions& opts, const Composition& parts);
  ~Daemon();
  // Runs until 'stop' becomes true. Returns the process exit code.
  int run(const std::atomic<bool>& stop);

 private:
  struct Parts;
  explicit Daemon(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace sluice::dp
