#include "nfv/sluiced/composition.h"

#include <cstdlib>

#include "dataplane/counters.h"
#include "dataplane/stages/registry.h"

namespace sluice::root {

static_assert(kStages <= dp::kMaxStages, "more stages than the counter blocks hold");

dp::StageList make_stages() {
  dp::StageList stages;
  stages.push_back(std::make_unique<dp::ParseStage>());
  stages.push_back(std::make_unique<dp::IngressStage>());
  stages.push_back(std::make_unique<dp::L2Stage>());
  stages.push_back(std::make_unique<dp::OpenFlowStage>());
  if (stages.size() != kStages) std::abort();  // kStages is out of date
  return stages;
}

dp::Composition composition() { return dp::Composition{.make_stages = make_stages}; }

}  // namespace sluice::root
