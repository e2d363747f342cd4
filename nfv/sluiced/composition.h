// The composition root of sluiced: the one place where dataplane/ and nfv/ meet. It lists the
// pipeline's stages in order — the dataplane's (parse, ingress, l2, openflow) and, as they
// arrive, the network functions' of nfv/ — and hands them to the daemon as a Composition.
// The tests' harness builds its pipelines from the same list.
#pragma once

#include <cstddef>

#include "dataplane/composition.h"

namespace sluice::root {

// How many stages make_stages() returns (checked there, and at compile time against the
// counter blocks).
inline constexpr size_t kStages = 4;

dp::StageList make_stages();
dp::Composition composition();

}  // namespace sluice::root
