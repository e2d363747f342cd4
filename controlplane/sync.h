// apply_policy(): one synchronisation of a dataplane with a desired state — read what is
// installed, diff, send the difference and a barrier, collect the errors. Shared by the daemon
// (`run`) and the one-shot `apply`.
#pragma once

#include <string>
#include <vector>

#include "controlplane/compiler.h"
#include "controlplane/diff.h"
#include "controlplane/session.h"
#include "openflow/result.h"

namespace sluice::cp {

struct ApplyOutcome {
  DiffSummary summary;
  std::vector<std::string> errors;  // one line per ERROR reply
};

Result<ApplyOutcome> apply_policy(Session& session, const DesiredState& desired,
                                  const DesiredState* previous);

}  // namespace sluice::cp
