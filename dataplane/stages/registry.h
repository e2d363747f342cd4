// The pipeline's stages, in order, listed in one place (no static registration).
#pragma once

#include <memory>
#include <vector>

#include "dataplane/stage.h"

namespace sluice::dp {

// parse → ingress (table 0) → l2 (table 1); the pipeline's output phase follows.
// How many stages make_l2_stages() returns (checked there); must fit kMaxStages.
inline constexpr size_t kRegisteredStages = 4;
std::vector<std::unique_ptr<Stage>> make_l2_stages();

}  // namespace sluice::dp
