#include "controlplane/of_roles.h"

namespace sluice::cp {

namespace {

using of::ControllerRole;
using of::MsgType;

// OFPT_METER_MOD: not in of::MsgType (the codec does not decode meters), but a slave must not
// send it either.
constexpr uint8_t kMeterModType = 29;

uint32_t u32_at(std::span<const uint8_t> b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

bool modifies_state(std::span<const uint8_t> msg) {
  const uint8_t type = msg[1];
  switch (static_cast<MsgType>(type)) {
    case MsgType::kPacketOut:
    case MsgType::kFlowMod:
    case MsgType::kGroupMod:
    case MsgType::kPortMod:
    case MsgType::kTableMod:
      return true;
    case MsgType::kExperimenter:
      // Sluice's experimenter messages add, remove and configure ports. A message too short to
      // name its experimenter is refused too: the dataplane would only reject it.
      return msg.size() < 12 || u32_at(msg, 8) == of::kSluiceExperimenter;
    default:
      return type == kMeterModType;
  }
}

}  // namespace

ControllerRole RoleTable::role(uint64_t client) const {
  auto it = roles_.find(client);
  return it == roles_.end() ? ControllerRole::kEqual : it->second;
}

RoleOutcome RoleTable::request(uint64_t client, const of::RoleRequest& req) {
  RoleOutcome out;
  const bool elects = req.role == ControllerRole::kMaster || req.role == ControllerRole::kSlave;
  if (elects) {
    if (generation_ && static_cast<int64_t>(req.generation_id - *generation_) < 0) {
      out.reply = std::unexpected(
          of::OfError{of::ErrorType::kRoleRequestFailed, of::role_request_failed::kStale, 0});
      return out;
    }
    generation_ = req.generation_id;
  }
  if (req.role == ControllerRole::kMaster) {
    for (auto& [other, role] : roles_) {
      if (other != client && role == ControllerRole::kMaster) {
        role = ControllerRole::kSlave;
        out.demoted.push_back(other);
      }
    }
  }
  if (req.role != ControllerRole::kNoChange) roles_[client] = req.role;
  out.reply = of::RoleRequest{role(client), {}, generation_.value_or(0)};
  return out;
}

bool role_may_send(ControllerRole role, std::span<const uint8_t> msg) {
  if (role != ControllerRole::kSlave || msg.size() < of::kHeaderSize) return true;
  return !modifies_state(msg);
}

bool is_async(MsgType type) {
  return type == MsgType::kPacketIn || type == MsgType::kFlowRemoved ||
         type == MsgType::kPortStatus;
}

bool role_wants_async(ControllerRole role, MsgType type) {
  if (!is_async(type)) return false;
  return role != ControllerRole::kSlave || type == MsgType::kPortStatus;
}

bool async_wanted(const of::AsyncConfig& cfg, ControllerRole role, std::span<const uint8_t> msg) {
  if (msg.size() < of::kHeaderSize) return false;
  // Where each message keeps its reason: ofp_packet_in (header, u32 buffer_id, u16 total_len,
  // u8 reason), ofp_flow_removed (header, u64 cookie, u16 priority, u8 reason), ofp_port_status
  // (header, u8 reason).
  const uint32_t* masks = nullptr;
  size_t at = 0;
  switch (static_cast<MsgType>(msg[1])) {
    case MsgType::kPacketIn: masks = cfg.packet_in_mask, at = 14; break;
    case MsgType::kFlowRemoved: masks = cfg.flow_removed_mask, at = 18; break;
    case MsgType::kPortStatus: masks = cfg.port_status_mask, at = 8; break;
    default: return false;
  }
  if (msg.size() <= at || msg[at] >= 32) return false;
  const uint32_t mask = masks[role == ControllerRole::kSlave ? 1 : 0];
  return (mask >> msg[at] & 1u) != 0;
}

of::AsyncConfig RoleTable::async(uint64_t client) const {
  auto it = async_.find(client);
  return it == async_.end() ? of::AsyncConfig{} : it->second;
}

bool RoleTable::wants_async(uint64_t client, std::span<const uint8_t> msg) const {
  auto it = async_.find(client);
  return async_wanted(it == async_.end() ? of::AsyncConfig{} : it->second, role(client), msg);
}

}  // namespace sluice::cp
