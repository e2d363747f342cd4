#include "dataplane/stages/registry.h"

#include <cstdlib>

#include "dataplane/stages/ingress.h"
#include "dataplane/stages/l2.h"
#include "dataplane/stages/openflow.h"
#include "dataplane/stages/parse.h"

namespace sluice::dp {

// Every stage's drop reasons must fit its counter block, and the stages the counters.
static_assert(kParseDropNames.size() <= kMaxDropReasons);
static_assert(kIngressDropNames.size() <= kMaxDropReasons);
static_assert(kL2DropNames.size() <= kMaxDropReasons);
static_assert(kOfDropNames.size() <= kMaxDropReasons);
static_assert(kRegisteredStages <= kMaxStages);

std::vector<std::unique_ptr<Stage>> make_l2_stages() {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<ParseStage>());
  stages.push_back(std::make_unique<IngressStage>());
  stages.push_back(std::make_unique<L2Stage>());
  stages.push_back(std::make_unique<OpenFlowStage>());
  if (stages.size() != kRegisteredStages) std::abort();  // kRegisteredStages is out of date
  return stages;
}

}  // namespace sluice::dp
