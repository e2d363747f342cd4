// Text for ROLE_REQUEST / ROLE_REPLY bodies ("role=MASTER generation_id=5") and for the
// asynchronous configuration of SET_ASYNC / GET_ASYNC_REPLY.
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

std::string format_async(const AsyncConfig& a) {
  return text::fmt("packet_in=0x%x/0x%x port_status=0x%x/0x%x flow_removed=0x%x/0x%x",
                   a.packet_in_mask[0], a.packet_in_mask[1], a.port_status_mask[0],
                   a.port_status_mask[1], a.flow_removed_mask[0], a.flow_removed_mask[1]);
}

}  // namespace sluice::of
