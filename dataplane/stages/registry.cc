#include "dataplane/stages/registry.h"

#include "dataplane/stages/ingress.h"
#include "dataplane/stages/l2.h"
#include "dataplane/stages/openflow.h"
#include "dataplane/stages/parse.h"

namespace sluice::dp {

std::vector<std::unique_ptr<Stage>> make_l2_stages() {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<ParseStage>());
  stages.push_back(std::make_unique<IngressStage>());
  stages.push_back(std::make_unique<L2Stage>());
  stages.push_back(std::make_unique<OpenFlowStage>());
  return stages;
}

}  // namespace sluice::dp
