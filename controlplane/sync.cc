#include "controlplane/sync.h"

namespace sluice::cp {

Result<ApplyOutcome> apply_policy(Session& session, const DesiredState& desired,
                                  const DesiredState* previous) {
  auto installed = session.read_installed();
  if (!installed) return std::unexpected(installed.error());
  DiffResult plan = diff(desired, *installed, previous);
  auto errors = session.apply(plan.messages);
  if (!errors) return std::unexpected(errors.error());
  ApplyOutcome out;
  out.summary = plan.summary;
  for (const ApplyError& e : *errors) out.errors.push_back(e.text);
  return out;
}

}  // namespace sluice::cp
