// Message: one control message the controller plans to send, as a struct (so that diff() is a
// pure function tests can compare), plus its encoding and a short kind name.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>

#include "openflow/codec.h"
#include "openflow/messages.h"

namespace sluice::cp {

// A GROUP_MOD is large (256 buckets), so messages share it by pointer; == compares contents.
struct GroupModMsg {
  std::shared_ptr<const of::GroupMod> mod;
  friend bool operator==(const GroupModMsg& a, const GroupModMsg& b) {
    return a.mod == b.mod || (a.mod && b.mod && *a.mod == *b.mod);
  }
};

using Message =
    std::variant<of::PortAdd, of::PortDel, of::PortSet, of::SwitchConfig, GroupModMsg, of::FlowMod>;

GroupModMsg make_group_mod(of::GroupModCommand command, const of::GroupDesc& group);

// "PORT_ADD", "PORT_DEL", "PORT_SET", "SWITCH_CONFIG", "GROUP_MOD", "FLOW_MOD".
std::string_view message_kind(const Message& msg);

// Appends the encoded message with transaction id 'xid' to 'out'.
void encode_message(uint32_t xid, const Message& msg, of::Bytes& out);

}  // namespace sluice::cp
