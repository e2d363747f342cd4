#include "nfv/sluiced/composition.h"

#include <cstdlib>

#include "dataplane/counters.h"
#include "dataplane/stages/registry.h"
#include "nfv/ct/tracker.h"
#include "nfv/port_security/port_security.h"

namespace sluice::root {

static_assert(kStages <= dp::kMaxStages, "more stages than the counter blocks hold");
static_assert(nfv::kPortSecurityDropNames.size() <= dp::kMaxDropReasons);

dp::StageList make_stages(const dp::Runtime& rt, uint16_t /*worker*/) {
  dp::StageList stages;
  stages.push_back(std::make_unique<dp::ParseStage>());
  stages.push_back(std::make_unique<dp::IngressStage>());
  stages.push_back(std::make_unique<nfv::PortSecurityStage>());  // table 10
  stages.push_back(std::make_unique<dp::L2Stage>(*rt.macs, *rt.learn));
  stages.push_back(
      std::make_unique<dp::OpenFlowStage>(*rt.macs, *rt.learn, rt.packet_in, rt.conntrack));
  if (stages.size() != kStages) std::abort();  // kStages is out of date
  return stages;
}

dp::Specialisers specialisers() {
  return {std::make_shared<nfv::PortSecuritySpecialiser>()};
}

std::unique_ptr<dp::Conntracker> make_conntrack(const dp::Runtime& rt, uint16_t workers) {
  nfv::ct::ConnConfig cfg;
  cfg.port_slots = dp::kMaxPorts;
  cfg.capacity = rt.conntrack_capacity;
  return std::make_unique<nfv::Tracker>(cfg, rt.qsv, workers);
}

dp::Composition composition() {
  return dp::Composition{.make_stages = make_stages,
                         .specialisers = specialisers(),
                         .make_conntrack = make_conntrack};
}

}  // namespace sluice::root
