// Composition: what the binary that assembles sluiced hands the dataplane at start-up, so that
// parts built above dataplane/ (the network functions in nfv/) plug in without dataplane/
// naming them. The composition root (nfv/sluiced/) is the only place that knows both.
//
// Today: the stage list each worker's pipeline runs, the special tables' compilers and the
// connection tracker behind ct(). Metrics
// sources, periodic jobs and control-message handlers join it as the network functions need them.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "dataplane/conntrack.h"
#include "dataplane/runtime.h"
#include "dataplane/special_table.h"
#include "dataplane/stage.h"

namespace sluice::dp {

using StageList = std::vector<std::unique_ptr<Stage>>;

struct Composition {
  // Makes worker 'worker''s stages, in pipeline order, each with the state it uses from the
  // runtime (called once per worker, and by tests).
  std::function<StageList(const Runtime& rt, uint16_t worker)> make_stages;
  // The tables the network functions run with structures of their own.
  Specialisers specialisers;
  // The tracker behind ct() (made once, before the stages, which get it as rt.conntrack; for
  // 'workers' workers). Empty: none, ct() drops as ct_unavailable.
  std::function<std::unique_ptr<Conntracker>(const Runtime& rt, uint16_t workers)>
      make_conntrack;
};

}  // namespace sluice::dp
