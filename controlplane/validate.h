// validate(): every semantic error in a loaded Policy, each with its path and position.
//
// Checks ranges and name rules (declared once in validate.cc as a table of typed rules),
// required and forbidden fields per port type and VLAN mode, uniqueness (names, ids, VLANs,
// static MACs) and cross-references (a port's VLANs must be networks; a static MAC's port
// must be a member of its network). Shape errors (unknown keys, wrong types) come from the
// loader; fields it could not parse are skipped here.
#pragma once

#include <vector>

#include "controlplane/diagnostics.h"
#include "controlplane/policy.h"

namespace sluice::cp {

inline constexpr int64_t kPolicyVersion = 1;

std::vector<ConfigError> validate(const Policy& policy);

}  // namespace sluice::cp
