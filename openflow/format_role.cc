// Text for ROLE_REQUEST / ROLE_REPLY bodies: "role=MASTER generation_id=5".
#include "openflow/format.h"
#include "openflow/format_util.h"

namespace sluice::of {

std::string role_name(ControllerRole role) {
  switch (role) {
    case ControllerRole::kNoChange:
      return "NOCHANGE";
    case ControllerRole::kEqual:
      return "EQUAL";
    case ControllerRole::kMaster:
      return "MASTER";
    case ControllerRole::kSlave:
      return "SLAVE";
  }
  return text::fmt("ROLE_%u", static_cast<unsigned>(role));
}

std::string format_role(const RoleRequest& r) {
  return text::fmt("role=%s generation_id=%llu", role_name(r.role).c_str(),
                   static_cast<unsigned long long>(r.generation_id));
}

}  // namespace sluice::of
