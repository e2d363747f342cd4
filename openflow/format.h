// Text forms of OpenFlow messages for logs, the CLI and golden tests. Flow text follows
// ovs-ofctl's conventions ("priority=100,in_port=1,dl_vlan=100 actions=pop_vlan,goto_table:1")
// so operators can read it without learning a new notation.
#pragma once

#include <cstddef>
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
// "packet_in=0x3/0x0 port_status=0x7/0x7 flow_removed=0xf/0x0" (master-or-equal/slave masks)
std::string format_async(const AsyncConfig& a);

// ---- Packet I/O, configuration, statistics, bundles -----------------------------------------
// (format_packet.cc, format_stats.cc, format_bundle.cc; names of errors in format_errors.cc)

// "priority=100,in_port=1 reason=idle table_id=1 cookie:0x5 duration1.500s idle10 hard30
// pkts10 bytes1000" (ovs-ofctl's FLOW_REMOVED line; cookie and hard left out when 0).
std::string format_flow_removed(const FlowRemoved& fr);
// "table_id=1 cookie=0x5 total_len=60 in_port=1 (via action) data_len=60 (unbuffered)"
// (table_id left out when 0, cookie when all-ones, as ovs-ofctl does; "buffer=0x.." when
// buffered).
std::string format_packet_in(const PacketIn& pi, size_t data_len);
// "in_port=CONTROLLER actions=output:1 data_len=60" ("buffer=0x.." instead of data_len when
// buffered).
std::string format_packet_out(const PacketOut& po, size_t data_len);
// "frags=normal miss_send_len=128" (frags: normal, drop, reassemble; miss_send_len NO_BUFFER
// for 0xffff).
std::string format_of_switch_config(const OfSwitchConfig& c);
// Five lines: "Manufacturer: ...", "Hardware: ...", "Software: ...", "Serial Num: ...",
// "DP Description: ...", separated by '\n'.
std::string format_desc(const Desc& d);
// "packet_count=10 byte_count=1000 flow_count=2"
std::string format_aggregate(const AggregateStats& a);
// "table 0: active=1, lookup=10, matched=5"
std::string format_table_stats(const TableStats& s);
// "group_id=1,duration=1.500s,ref_count=2,packet_count=10,byte_count=1000,
// bucket0:packet_count=4,byte_count=400,bucket1:..." (ovs-ofctl dump-group-stats)
std::string format_group_stats(const GroupStats& s);
// "BUNDLE_CONTROL bundle_id=0x1 type=OPEN_REQUEST flags=atomic,ordered" (flags=0 when none)
std::string format_bundle_ctrl(const BundleCtrl& b);
// "BUNDLE_ADD bundle_id=0x1 flags=atomic,ordered" then, on the next line indented by one
// space, the embedded message as format_message prints it.
std::string format_bundle_add(const BundleAdd& b, std::span<const uint8_t> message);
// The name of a decode error, telling experimenters apart: "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ",
// "SLUICE/PORT_EXISTS" (Sluice's), "ONF/OFPBFC_MSG_BAD_XID" (ONF's bundle and property codes),
// "EXPERIMENTER(0x00002320)/5" (anyone else's).
std::string error_name(const OfError& e);

}  // namespace sluice::of
