// Text forms of OpenFlow messages for logs, the CLI and golden tests. Flow text follows
// ovs-ofctl's conventions ("priority=100,in_port=1,dl_vlan=100 actions=pop_vlan,goto_table:1")
// so operators can read it without learning a new notation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "openflow/messages.h"

namespace sluice::of {

// Match fields only, no priority: "tcp,in_port=1,dl_vlan=100,tp_dst=80"; "" when empty.
// See format_match.cc for the notation.
std::string format_match(const Match& m);
// One action: "output:1", "set_field:0x1064->vlan_vid", "ct(value=0x1)".
std::string format_action(const Action& a);
// "pop_vlan,output:1", or "drop" for an empty list.
std::string format_actions(const ActionList& actions);
// The text after "actions=": apply-actions bare, then clear_actions, write_actions(...),
// write_metadata:V/M, goto_table:N ("pop_vlan,write_metadata:0x64/0xfff,goto_table:1");
// "drop" when there is nothing.
std::string format_instructions(const Instructions& ins);
// "ADD table:0 priority=100,in_port=1 cookie:0x5c00000000000000 actions=pop_vlan,goto_table:1"
// (ovs-ofctl's flow_mod notation; see format.cc for the optional parts).
std::string format_flow_mod(const FlowMod& fm);
// "group_id=100,type=all,bucket=actions=output:1,bucket=actions=output:2"
std::string format_group(const GroupDesc& g);
// "ADD group_id=100,type=all,bucket=actions=output:1"
std::string format_group_mod(const GroupMod& gm);
// One dump-flows line: "cookie=0x..., duration=1.500s, table=0, n_packets=.., n_bytes=..,
// priority=100,in_port=1 actions=..."
std::string format_flow_stats(const FlowStats& fs);
// "table:all out_port:2 cookie:0x5c00000000000000/0xffff000000000000 in_port=1"
std::string format_flow_stats_request(const FlowStatsRequest& req);
// "1(vm1): addr:02:00:00:00:00:01 config:0 state:LIVE speed:10000 Mbps now, 10000 Mbps max"
std::string format_port(const Port& p);
// "port 1: rx pkts=.. bytes=.. drop=.. errs=.. frame=.. over=.. crc=.. tx pkts=.. bytes=..
// drop=.. errs=.. coll=.. duration=1.500s"
std::string format_port_stats(const PortStats& s);
// Sluice experimenter messages: "PORT_ADD port=1 name=vm1 type=vhost-user
// device=/tmp/vm1.sock mtu=1500 flags=vhost_client", "PORT_DEL port=1",
// "PORT_SET port=1 mtu=9000 admin=up mac_limit=100", "SWITCH_CONFIG mac_aging=300s".
std::string format_port_add(const PortAdd& p);
std::string format_port_del(const PortDel& p);
std::string format_port_set(const PortSet& p);
std::string format_switch_config(const SwitchConfig& c);
// "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ, request OFPT_FLOW_MOD xid=0x5 (64 bytes of it)", or for
// Sluice's errors "SLUICE/PORT_EXISTS: <the sentence in data>".
std::string format_error(const ErrorMsg& e);
// "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ"; type kExperimenter is taken to be Sluice's
// ("SLUICE/PORT_EXISTS"). Unknown numbers print as numbers.
std::string error_type_name(ErrorType type, uint16_t code);
// "OFPT_FLOW_MOD"; "OFPT_22" / "OFPT_23" / "OFPT_UNKNOWN" for numbers MsgType does not name.
std::string_view msg_type_name(MsgType type);
// Any whole message: "OFPT_<TYPE> (xid=0x..): <body>"; undecodable input is named, not thrown:
// "OFPT_FLOW_MOD (xid=0x1): (malformed: OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ)", or just
// "(malformed: OFPET_BAD_REQUEST/OFPBRC_BAD_LEN)" when not even the header is usable.
// Multipart replies put one entry per line after the first.
std::string format_message(std::span<const uint8_t> msg);

// ---- Roles (format_role.cc) --------------------------------------------------------------------
// Kept in its own section so that additions elsewhere in this file merge cleanly.

// "NOCHANGE", "EQUAL", "MASTER", "SLAVE"; unknown numbers as "ROLE_7".
std::string role_name(ControllerRole role);
// "role=MASTER generation_id=5"
std::string format_role(const RoleRequest& r);

}  // namespace sluice::of
