// The dataplane's own stages, made in one place (no static registration). The composition root
// (nfv/sluiced/composition.h) puts them and the network functions' stages in pipeline order.
#pragma once

#include <memory>

#include "dataplane/stages/ingress.h"
#include "dataplane/stages/l2.h"
#include "dataplane/stages/openflow.h"
#include "dataplane/stages/parse.h"

namespace sluice::dp {

// Every stage's drop reasons must fit its counter block.
static_assert(kParseDropNames.size() <= kMaxDropReasons);
static_assert(kIngressDropNames.size() <= kMaxDropReasons);
static_assert(kL2DropNames.size() <= kMaxDropReasons);
static_assert(kOfDropNames.size() <= kMaxDropReasons);

}  // namespace sluice::dp
