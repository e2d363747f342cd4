// OpenFlow 1.3 wire codec: encode, strictly decode, for the messages in messages.h.
//
// Encoders append complete messages (header included) to 'out'. Multipart reply encoders
// split long lists into several messages flagged kMultipartMore, as the spec asks. A message
// that cannot fit in 65535 bytes (only possible for a GROUP_MOD with hundreds of long
// buckets; decode_group_mod never accepts one) is a caller bug and aborts.
// Decoders take exactly one whole message (the framing layer guarantees that the span is the
// message's own 'length' bytes), check every length, TLV and prerequisite, and on failure
// return the OfError the receiver should answer with. They never read past the span, never
// allocate (except the reply-list decoders used by the controller, which append to vectors)
// and never throw.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <vector>

#include "openflow/messages.h"

namespace sluice::of {

using Bytes = std::vector<uint8_t>;
template <class T>
using Decoded = std::expected<T, OfError>;

// ---- Encode -------------------------------------------------------------------------------

void encode_hello(uint32_t xid, Bytes& out);
void encode_error(uint32_t xid, const ErrorMsg& msg, Bytes& out);
void encode_echo_request(uint32_t xid, std::span<const uint8_t> data, Bytes& out);
void encode_echo_reply(uint32_t xid, std::span<const uint8_t> data, Bytes& out);
void encode_features_request(uint32_t xid, Bytes& out);
void encode_features_reply(uint32_t xid, const FeaturesReply& msg, Bytes& out);
void encode_barrier_request(uint32_t xid, Bytes& out);
void encode_barrier_reply(uint32_t xid, Bytes& out);
void encode_flow_mod(uint32_t xid, const FlowMod& msg, Bytes& out);
void encode_group_mod(uint32_t xid, const GroupMod& msg, Bytes& out);
void encode_port_status(uint32_t xid, const PortStatus& msg, Bytes& out);

void encode_port_desc_request(uint32_t xid, Bytes& out);
void encode_port_desc_reply(uint32_t xid, std::span<const Port> ports, Bytes& out);
void encode_port_stats_request(uint32_t xid, uint32_t port_no, Bytes& out);
void encode_port_stats_reply(uint32_t xid, std::span<const PortStats> stats, Bytes& out);
void encode_flow_stats_request(uint32_t xid, const FlowStatsRequest& req, Bytes& out);
void encode_flow_stats_reply(uint32_t xid, std::span<const FlowStats> stats, Bytes& out);
void encode_group_desc_request(uint32_t xid, Bytes& out);
void encode_group_desc_reply(uint32_t xid, std::span<const GroupDesc> groups, Bytes& out);

void encode_port_add(uint32_t xid, const PortAdd& msg, Bytes& out);
void encode_port_del(uint32_t xid, const PortDel& msg, Bytes& out);
void encode_port_set(uint32_t xid, const PortSet& msg, Bytes& out);
void encode_switch_config(uint32_t xid, const SwitchConfig& msg, Bytes& out);

// ---- Decode -------------------------------------------------------------------------------

// Checks version (bad_request::kBadVersion; for HELLO hello_failed::kIncompatible),
// length >= 8 and length == msg.size() (bad_request::kBadLen), and a known type
// (bad_request::kBadType).
Decoded<Header> decode_header(std::span<const uint8_t> msg);

// HELLO: the header is checked; hello elements (e.g. a version bitmap) are accepted and
// ignored.
Decoded<void> decode_hello(std::span<const uint8_t> msg);
// Messages that are only a header (FEATURES_REQUEST, BARRIER_REQUEST, BARRIER_REPLY): checks
// the header, that it is a 'type' message, and that the length is exactly 8.
Decoded<void> decode_empty(std::span<const uint8_t> msg, MsgType type);
Decoded<ErrorMsg> decode_error(std::span<const uint8_t> msg);
Decoded<FeaturesReply> decode_features_reply(std::span<const uint8_t> msg);
// The payload of an echo request or reply (a view into msg).
Decoded<std::span<const uint8_t>> decode_echo(std::span<const uint8_t> msg);
Decoded<void> decode_flow_mod(std::span<const uint8_t> msg, FlowMod& out);
Decoded<void> decode_group_mod(std::span<const uint8_t> msg, GroupMod& out);
Decoded<PortStatus> decode_port_status(std::span<const uint8_t> msg);

Decoded<MultipartHeader> decode_multipart_header(std::span<const uint8_t> msg);
// Supported: DESC, FLOW, AGGREGATE, TABLE, PORT_STATS, GROUP, GROUP_DESC, TABLE_FEATURES and
// PORT_DESC (DESC, AGGREGATE, TABLE, GROUP and TABLE_FEATURES: see "Statistics" below); any
// other multipart type is bad_request::kBadMultipart.
// Requests (read by the dataplane).
Decoded<void> decode_port_desc_request(std::span<const uint8_t> msg);
Decoded<void> decode_group_desc_request(std::span<const uint8_t> msg);
Decoded<uint32_t> decode_port_stats_request(std::span<const uint8_t> msg);
Decoded<FlowStatsRequest> decode_flow_stats_request(std::span<const uint8_t> msg);
// Replies (read by the controller): append this message's entries to 'out'.
Decoded<void> decode_port_desc_reply(std::span<const uint8_t> msg, std::vector<Port>& out);
Decoded<void> decode_port_stats_reply(std::span<const uint8_t> msg, std::vector<PortStats>& out);
Decoded<void> decode_flow_stats_reply(std::span<const uint8_t> msg, std::vector<FlowStats>& out);
Decoded<void> decode_group_desc_reply(std::span<const uint8_t> msg, std::vector<GroupDesc>& out);

// OFPT_EXPERIMENTER: which experimenter message this is (bad_request::kBadExperimenter if not
// Sluice's, bad_request::kBadExpType if the type is unknown).
Decoded<SluiceMsgType> decode_sluice_type(std::span<const uint8_t> msg);
Decoded<PortAdd> decode_port_add(std::span<const uint8_t> msg);
Decoded<PortDel> decode_port_del(std::span<const uint8_t> msg);
Decoded<PortSet> decode_port_set(std::span<const uint8_t> msg);
Decoded<SwitchConfig> decode_switch_config(std::span<const uint8_t> msg);

// ---- Errors -------------------------------------------------------------------------------

// The ERROR to send for 'err' about 'request': data is the request's first bytes (up to
// kMaxErrorData, at least 64 when the request is that long).
ErrorMsg make_error(const OfError& err, std::span<const uint8_t> request);
// A Sluice experimenter error whose data is the sentence 'text' (truncated to kMaxErrorData).
ErrorMsg make_sluice_error(uint16_t code, std::string_view text);

// ---- Roles (OFPT_ROLE_REQUEST / OFPT_ROLE_REPLY; codec_role.cc) --------------------------------
// Kept in its own section so that additions elsewhere in this file merge cleanly.

void encode_role_request(uint32_t xid, const RoleRequest& msg, Bytes& out);
void encode_role_reply(uint32_t xid, const RoleRequest& msg, Bytes& out);
// The body must be exactly 16 bytes (bad_request::kBadLen); a role other than NOCHANGE, EQUAL,
// MASTER or SLAVE is OFPET_ROLE_REQUEST_FAILED/OFPRRFC_BAD_ROLE.
Decoded<RoleRequest> decode_role_request(std::span<const uint8_t> msg);
Decoded<RoleRequest> decode_role_reply(std::span<const uint8_t> msg);

// ---- Asynchronous configuration (GET_ASYNC / SET_ASYNC; codec_async.cc) ----------------------

// GET_ASYNC_REQUEST is only a header: decode it with decode_empty(msg,
// MsgType::kGetAsyncRequest).
void encode_get_async_request(uint32_t xid, Bytes& out);
void encode_get_async_reply(uint32_t xid, const AsyncConfig& msg, Bytes& out);
void encode_set_async(uint32_t xid, const AsyncConfig& msg, Bytes& out);
// The body must be exactly 24 bytes (bad_request::kBadLen).
Decoded<AsyncConfig> decode_get_async_reply(std::span<const uint8_t> msg);
Decoded<AsyncConfig> decode_set_async(std::span<const uint8_t> msg);

// ---- Hello version negotiation (codec_hello.cc) -----------------------------------------------

// A HELLO (version kVersion) carrying one OFPHET_VERSIONBITMAP element with 'bitmap'.
void encode_hello_versions(uint32_t xid, uint32_t bitmap, Bytes& out);
// Reads a HELLO of any version (decode_hello() accepts only kVersion): the header must be a
// HELLO whose length is msg.size() (bad_request::kBadLen otherwise), every element's length
// must be at least 4 and fit (bad_request::kBadLen); unknown element types are skipped.
Decoded<HelloVersions> decode_hello_versions(std::span<const uint8_t> msg);

// ---- Packet I/O, flow removal, switch configuration (codec_packet.cc, codec_config.cc) ------
//
// The frame of PACKET_IN / PACKET_OUT is passed beside the struct (see messages.h): encoders
// take it as 'data'; decoders return it as a view into 'msg'. The encoders abort if the
// message would not fit in 65535 bytes (a caller bug: truncate to max_len first).

void encode_flow_removed(uint32_t xid, const FlowRemoved& msg, Bytes& out);
Decoded<FlowRemoved> decode_flow_removed(std::span<const uint8_t> msg);
void encode_packet_in(uint32_t xid, const PacketIn& msg, std::span<const uint8_t> data, Bytes& out);
// Returns the frame (a view into 'msg'); 'out' gets the rest.
Decoded<std::span<const uint8_t>> decode_packet_in(std::span<const uint8_t> msg, PacketIn& out);
void encode_packet_out(uint32_t xid, const PacketOut& msg, std::span<const uint8_t> data,
                       Bytes& out);
// Returns the frame to send (a view into 'msg'); 'out' gets the rest. Read by the dataplane:
// does not allocate.
Decoded<std::span<const uint8_t>> decode_packet_out(std::span<const uint8_t> msg, PacketOut& out);

// GET_CONFIG_REQUEST is only a header: decode it with decode_empty(msg,
// MsgType::kGetConfigRequest).
void encode_get_config_request(uint32_t xid, Bytes& out);
void encode_get_config_reply(uint32_t xid, const OfSwitchConfig& msg, Bytes& out);
void encode_set_config(uint32_t xid, const OfSwitchConfig& msg, Bytes& out);
Decoded<OfSwitchConfig> decode_get_config_reply(std::span<const uint8_t> msg);
Decoded<OfSwitchConfig> decode_set_config(std::span<const uint8_t> msg);

// ---- Statistics: DESC, AGGREGATE, TABLE, GROUP, TABLE_FEATURES (codec_stats.cc) -----------

void encode_desc_request(uint32_t xid, Bytes& out);
void encode_desc_reply(uint32_t xid, const Desc& desc, Bytes& out);
void encode_aggregate_request(uint32_t xid, const FlowStatsRequest& req, Bytes& out);
void encode_aggregate_reply(uint32_t xid, const AggregateStats& stats, Bytes& out);
void encode_table_stats_request(uint32_t xid, Bytes& out);
void encode_table_stats_reply(uint32_t xid, std::span<const TableStats> stats, Bytes& out);
// 'group' is a group id or group_id::kAll.
void encode_group_stats_request(uint32_t xid, uint32_t group, Bytes& out);
void encode_group_stats_reply(uint32_t xid, std::span<const GroupStats> stats, Bytes& out);
// An empty TABLE_FEATURES request ("report your tables"), as ovs-ofctl sends it.
void encode_table_features_request(uint32_t xid, Bytes& out);

// Requests (read by the dataplane; no allocation).
Decoded<void> decode_desc_request(std::span<const uint8_t> msg);
Decoded<FlowStatsRequest> decode_aggregate_request(std::span<const uint8_t> msg);
Decoded<void> decode_table_stats_request(std::span<const uint8_t> msg);
Decoded<uint32_t> decode_group_stats_request(std::span<const uint8_t> msg);
// Sluice's answer to an empty TABLE_FEATURES request: 'n_tables' alike, each matching every
// field it knows (masks where the spec allows), with every instruction, action and settable
// field it supports, goto to any later table, and room for 'max_entries' flows.
void encode_table_features_reply(uint32_t xid, uint8_t n_tables, uint32_t max_entries, Bytes& out);
// Only the empty form is accepted; a request with a body asks to reconfigure the tables,
// which Sluice refuses with OFPET_TABLE_FEATURES_FAILED/OFPTFFC_EPERM.
Decoded<void> decode_table_features_request(std::span<const uint8_t> msg);
// Replies (read by the controller). DESC and AGGREGATE replies are single bodies; the list
// decoders append this message's entries to 'out' (nothing on error).
Decoded<Desc> decode_desc_reply(std::span<const uint8_t> msg);
Decoded<AggregateStats> decode_aggregate_reply(std::span<const uint8_t> msg);
Decoded<void> decode_table_stats_reply(std::span<const uint8_t> msg, std::vector<TableStats>& out);
Decoded<void> decode_group_stats_reply(std::span<const uint8_t> msg, std::vector<GroupStats>& out);

// ---- Experimenter dispatch and bundles (codec_bundle.cc) ----------------------------------

// The experimenter id and exp_type of any OFPT_EXPERIMENTER message (BAD_LEN if cut short).
Decoded<ExperimenterHeader> decode_experimenter_header(std::span<const uint8_t> msg);
// Which ONF message this is (bad_request::kBadExperimenter if not ONF's,
// bad_request::kBadExpType if the type is not a bundle message).
Decoded<OnfMsgType> decode_onf_type(std::span<const uint8_t> msg);
void encode_bundle_ctrl(uint32_t xid, const BundleCtrl& msg, Bytes& out);
Decoded<BundleCtrl> decode_bundle_ctrl(std::span<const uint8_t> msg);
// Wraps the whole message 'message' (a FLOW_MOD or GROUP_MOD, as encoded by its encoder) in a
// BUNDLE_ADD_MESSAGE. The extension wants the inner and outer xid equal: both become 'xid'.
// Aborts if 'message' is shorter than a header or the result exceeds 65535 bytes (caller
// bugs).
void encode_bundle_add(uint32_t xid, const BundleAdd& msg, std::span<const uint8_t> message,
                       Bytes& out);
// Returns the embedded message (a view into 'msg', exactly its own length; its header is
// checked, its body is left to the decoder of its type); 'out' gets the rest. Read by the
// dataplane: does not allocate.
Decoded<std::span<const uint8_t>> decode_bundle_add(std::span<const uint8_t> msg, BundleAdd& out);

}  // namespace sluice::of
