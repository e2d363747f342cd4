// Controller roles at sluicectl's OpenFlow endpoint (OpenFlow 1.3.5 §6.3.6). The endpoint is
// the switch its TCP clients see, so it keeps the roles itself; the dataplane never hears of
// them.
//
//   - Every client starts EQUAL (full access).
//   - ROLE_REQUEST NOCHANGE only asks; EQUAL needs no generation id; MASTER and SLAVE carry one:
//     once a generation id has been seen, a request whose id is older, compared as the signed
//     difference (int64_t)(id - cached) < 0, fails with OFPET_ROLE_REQUEST_FAILED/
//     OFPRRFC_STALE; otherwise the id is remembered.
//   - A new MASTER turns the previous master (if any) into a SLAVE.
//   - A SLAVE is read-only: FLOW_MOD, GROUP_MOD, PORT_MOD, TABLE_MOD, METER_MOD, PACKET_OUT and
//     Sluice experimenter messages get OFPET_BAD_REQUEST/OFPBRC_IS_SLAVE and go nowhere.
//   - Asynchronous messages follow each client's asynchronous configuration (SET_ASYNC;
//     GET_ASYNC_REQUEST reads it), by reason, with one mask for MASTER/EQUAL and one for SLAVE.
//     It starts as OpenFlow 1.3's default: MASTER and EQUAL get every PACKET_IN, PORT_STATUS
//     and FLOW_REMOVED; SLAVE gets PORT_STATUS only.
//
// Plain state, no I/O: the endpoint thread owns it; tests drive it directly.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "openflow/messages.h"

namespace sluice::cp {

struct RoleOutcome {
  // The ROLE_REPLY body to send, or the error to answer with instead.
  std::expected<of::RoleRequest, of::OfError> reply;
  std::vector<uint64_t> demoted;  // clients this request turned from MASTER into SLAVE
};

class RoleTable {
 public:
  void add(uint64_t client) {
    roles_[client] = of::ControllerRole::kEqual;
    async_[client] = of::AsyncConfig{};
  }
  void remove(uint64_t client) {
    roles_.erase(client);
    async_.erase(client);
  }
  // SET_ASYNC / GET_ASYNC_REQUEST (defaults for a client the table does not know).
  void set_async(uint64_t client, const of::AsyncConfig& cfg) { async_[client] = cfg; }
  of::AsyncConfig async(uint64_t client) const;
  // Does the asynchronous message 'msg' (PACKET_IN, FLOW_REMOVED, PORT_STATUS) go to 'client',
  // given its role and configuration? False for anything else, and for a message too short to
  // carry its reason.
  bool wants_async(uint64_t client, std::span<const uint8_t> msg) const;
  // EQUAL for a client the table does not know.
  of::ControllerRole role(uint64_t client) const;
  // Applies a decoded ROLE_REQUEST from 'client' (which must have been added).
  RoleOutcome request(uint64_t client, const of::RoleRequest& req);
  std::optional<uint64_t> generation_id() const { return generation_; }

 private:
  std::map<uint64_t, of::ControllerRole> roles_;
  std::map<uint64_t, of::AsyncConfig> async_;
  std::optional<uint64_t> generation_;
};

// May a client in 'role' send 'msg' (a whole message, at least a header)?
bool role_may_send(of::ControllerRole role, std::span<const uint8_t> msg);

// Does an asynchronous message of type 'type' go to a client in 'role' under the default
// asynchronous configuration (every reason)?
bool role_wants_async(of::ControllerRole role, of::MsgType type);
// Does 'msg' (a whole asynchronous message) pass 'cfg' for a client in 'role'?
bool async_wanted(const of::AsyncConfig& cfg, of::ControllerRole role,
                  std::span<const uint8_t> msg);

// Is 'type' one of the asynchronous messages (PACKET_IN, FLOW_REMOVED, PORT_STATUS)?
bool is_async(of::MsgType type);

}  // namespace sluice::cp
