// Decoded OpenFlow 1.3 messages as plain, trivially copyable, fixed-size structs.
//
// These are the only types both processes share (with ofp.h). They carry no pointers and no
// std::string: the dataplane's control service decodes into them without allocating, and a
// struct compares with ==. Multipart replies with many entries are handed over one entry at a
// time (see codec.h). Field names mirror the OpenFlow 1.3 specification's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "openflow/ofp.h"

namespace sluice::of {

using MacAddr = std::array<uint8_t, 6>;
inline constexpr MacAddr kMacExact = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// Fixed-capacity, NUL-padded text field (port names, device strings, error text).
template <size_t N>
struct FixedString {
  std::array<char, N> bytes{};

  std::string_view view() const noexcept {
    return {bytes.data(), strnlen(bytes.data(), N)};
  }
  // Returns false (and leaves the field empty) if 'text' does not fit.
  bool assign(std::string_view text) noexcept {
    bytes.fill(0);
    if (text.size() > N) return false;
    std::memcpy(bytes.data(), text.data(), text.size());
    return true;
  }
  friend bool operator==(const FixedString&, const FixedString&) = default;
};

struct Header {
  uint8_t version = kVersion;
  MsgType type = MsgType::kHello;
  uint16_t length = kHeaderSize;
  uint32_t xid = 0;
  friend bool operator==(const Header&, const Header&) = default;
};

// ---- Match --------------------------------------------------------------------------------

// OXM basic-class field numbers this codec understands. The value is the OXM field number.
enum class Field : uint8_t {
  kInPort = 0,
  kMetadata = 2,
  kEthDst = 3,
  kEthSrc = 4,
  kEthType = 5,
  kVlanVid = 6,
  kIpProto = 10,
  kIpv4Src = 11,
  kIpv4Dst = 12,
  kTcpSrc = 13,
  kTcpDst = 14,
  kUdpSrc = 15,
  kUdpDst = 16,
  kIcmpv4Type = 19,
  kIcmpv4Code = 20,
  kArpOp = 21,
  kArpSpa = 22,
  kArpTpa = 23,
  kArpSha = 24,
  kTunnelId = 38,
  // Nicira extension fields (OXM class 0x0001, NXM_NX_*), which Open vSwitch sends in an
  // OpenFlow 1.3 match for connection tracking. These ids are Sluice's own, above every OXM
  // basic number; oxm.h maps them to their wire class and number (105, 106, 107).
  kCtState = 56,  // ct_state: ct_state:: bits, bitwise maskable
  kCtZone = 57,   // ct_zone: 16 bits, exact only
  kCtMark = 58,   // ct_mark: 32 bits, bitwise maskable
};

// ct_state bits (Open vSwitch's values).
namespace ct_state {
inline constexpr uint8_t kNew = 0x01, kEst = 0x02, kRel = 0x04, kRpl = 0x08, kInv = 0x10,
                         kTrk = 0x20, kSnat = 0x40, kDnat = 0x80;
}

inline constexpr uint64_t field_bit(Field f) noexcept {
  return uint64_t{1} << static_cast<unsigned>(f);
}

// A match: the fields in 'present' are matched, everything else is wildcarded. A field in
// 'masked' came with an OXM mask; otherwise its mask member holds all-ones. Values are stored
// already ANDed with their mask, so two equal matches compare ==.
struct Match {
  uint64_t present = 0;
  uint64_t masked = 0;
  uint64_t metadata = 0;
  uint64_t metadata_mask = ~uint64_t{0};
  uint64_t tunnel_id = 0;
  uint64_t tunnel_id_mask = ~uint64_t{0};
  uint32_t in_port = 0;
  uint32_t ipv4_src = 0;
  uint32_t ipv4_src_mask = ~uint32_t{0};  // host byte order, like ipv4_src
  uint32_t ipv4_dst = 0;
  uint32_t ipv4_dst_mask = ~uint32_t{0};
  uint32_t arp_spa = 0;  // host byte order
  uint32_t arp_spa_mask = ~uint32_t{0};
  uint32_t arp_tpa = 0;
  uint32_t arp_tpa_mask = ~uint32_t{0};
  uint32_t ct_mark = 0;
  uint32_t ct_mark_mask = ~uint32_t{0};
  MacAddr eth_dst{};
  MacAddr eth_dst_mask = kMacExact;
  MacAddr eth_src{};
  MacAddr eth_src_mask = kMacExact;
  MacAddr arp_sha{};
  MacAddr arp_sha_mask = kMacExact;
  uint16_t eth_type = 0;
  uint16_t vlan_vid = 0;  // includes kVidPresent, as on the wire
  uint16_t vlan_vid_mask = 0x1fff;
  uint16_t tcp_src = 0;
  uint16_t tcp_dst = 0;
  uint16_t udp_src = 0;
  uint16_t udp_dst = 0;
  // TCP/UDP ports are bitwise maskable, as in Open vSwitch (a range is a few masked flows).
  uint16_t tcp_src_mask = 0xffff;
  uint16_t tcp_dst_mask = 0xffff;
  uint16_t udp_src_mask = 0xffff;
  uint16_t udp_dst_mask = 0xffff;
  uint16_t arp_op = 0;  // 0..255: the codec refuses more (see codec_match.cc)
  uint16_t ct_zone = 0;
  uint8_t ip_proto = 0;
  uint8_t icmpv4_type = 0;
  uint8_t icmpv4_code = 0;
  uint8_t ct_state = 0;  // ct_state:: bits
  uint8_t ct_state_mask = 0xff;
  uint8_t pad_[1] = {};

  bool has(Field f) const noexcept { return (present & field_bit(f)) != 0; }
  bool has_mask(Field f) const noexcept { return (masked & field_bit(f)) != 0; }
  friend bool operator==(const Match&, const Match&) = default;
};

// ---- Actions and instructions ---------------------------------------------------------------

enum class ActionType : uint16_t {
  kOutput = 0,
  kPushVlan = 17,
  kPopVlan = 18,
  kGroup = 22,
  kSetField = 25,
  kExperimenter = 0xffff,
  // Open vSwitch's Nicira extension actions (experimenter 0x00002320). On the wire they are
  // OFPAT_EXPERIMENTER; these internal type numbers are never sent.
  kCt = 0xff23,       // NXAST_CT (subtype 35): arguments in Action::ct
  kCtClear = 0xff2b,  // NXAST_CT_CLEAR (subtype 43)
};

// ct(...) flags (NX_CT_F_*).
namespace ct_flag {
inline constexpr uint16_t kCommit = 0x0001, kForce = 0x0002;
}
inline constexpr uint8_t kCtNoTable = 0xff;  // ct without table=: nothing is re-injected

// How a ct action's exec(...) wrote ct_mark, kept so that it encodes back as it came.
enum class CtMarkForm : uint8_t {
  kNone = 0,      // exec(...) sets no ct_mark
  kSetField = 1,  // OFPAT_SET_FIELD of NXM_NX_CT_MARK (ovs-ofctl's form for an exact value)
  kRegLoad = 2,   // NXAST_REG_LOAD, one per contiguous run of mask bits (a masked value)
};

// The arguments of ct(...): commit/force, zone, table=, alg=, and exec(set_field:V->ct_mark).
struct CtArgs {
  uint16_t flags = 0;  // ct_flag:: bits
  uint16_t zone = 0;
  uint16_t alg = 0;    // 0: none (21 ftp, 69 tftp are refused by the dataplane)
  uint8_t table = kCtNoTable;
  CtMarkForm mark_form = CtMarkForm::kNone;
  uint32_t mark = 0;       // exec: ct_mark = (ct_mark & ~mark_mask) | mark
  uint32_t mark_mask = 0;  // 0 when exec(...) sets no ct_mark
  friend bool operator==(const CtArgs&, const CtArgs&) = default;
};

// Sluice experimenter actions (reserved now; later issues give them meaning).
enum class SluiceAction : uint16_t {
  kConntrack = 1,
  kNat = 2,
  kVxlanEncap = 3,
  kVxlanDecap = 4,
};

struct Action {
  ActionType type = ActionType::kOutput;
  uint16_t ethertype = 0;     // kPushVlan: 0x8100 or 0x88a8
  uint16_t max_len = 0;       // kOutput to the controller
  SluiceAction sluice = SluiceAction::kConntrack;  // kExperimenter
  Field field = Field::kInPort;  // kSetField: which field 'value' sets
  uint8_t pad_[3] = {};
  uint32_t port = 0;          // kOutput
  uint32_t group_id = 0;      // kGroup
  uint8_t pad2_[4] = {};
  // kSetField: the value (MAC in the low 48 bits, big-endian order of bytes; vlan_vid with
  // kVidPresent; IPv4 in host order). kExperimenter: the action's argument.
  uint64_t value = 0;
  CtArgs ct{};  // kCt
  friend bool operator==(const Action&, const Action&) = default;
};

inline constexpr size_t kMaxActions = 16;

struct ActionList {
  uint8_t count = 0;
  uint8_t pad_[7] = {};
  std::array<Action, kMaxActions> items{};

  std::span<const Action> view() const noexcept { return {items.data(), count}; }
  // Returns false if the list is full.
  bool push(const Action& a) noexcept {
    if (count == kMaxActions) return false;
    items[count++] = a;
    return true;
  }
  friend bool operator==(const ActionList& a, const ActionList& b) noexcept {
    if (a.count != b.count) return false;
    for (size_t i = 0; i < a.count; ++i) {
      if (!(a.items[i] == b.items[i])) return false;
    }
    return true;
  }
};

// Instruction presence bits.
namespace instr {
inline constexpr uint8_t kGotoTable = 1 << 0, kWriteMetadata = 1 << 1, kWriteActions = 1 << 2,
                         kApplyActions = 1 << 3, kClearActions = 1 << 4;
}

struct Instructions {
  uint8_t present = 0;  // instr:: bits
  uint8_t goto_table = 0;
  uint8_t pad_[6] = {};
  uint64_t metadata = 0;
  uint64_t metadata_mask = 0;
  ActionList apply_actions;
  ActionList write_actions;
  friend bool operator==(const Instructions&, const Instructions&) = default;
};

// ---- Modifications ------------------------------------------------------------------------

enum class FlowModCommand : uint8_t {
  kAdd = 0,
  kModify = 1,
  kModifyStrict = 2,
  kDelete = 3,
  kDeleteStrict = 4,
};

struct FlowMod {
  uint64_t cookie = 0;
  uint64_t cookie_mask = 0;
  uint8_t table_id = 0;
  FlowModCommand command = FlowModCommand::kAdd;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint16_t priority = 0x8000;
  uint32_t buffer_id = kNoBuffer;
  uint32_t out_port = port_no::kAny;
  uint32_t out_group = group_id::kAny;
  uint16_t flags = 0;
  uint8_t pad_[2] = {};
  Match match;
  Instructions instructions;
  friend bool operator==(const FlowMod&, const FlowMod&) = default;
};

enum class GroupModCommand : uint16_t { kAdd = 0, kModify = 1, kDelete = 2 };
enum class GroupType : uint8_t { kAll = 0, kSelect = 1, kIndirect = 2, kFastFailover = 3 };

struct Bucket {
  uint16_t weight = 0;
  uint8_t pad_[2] = {};
  uint32_t watch_port = port_no::kAny;
  uint32_t watch_group = group_id::kAny;
  uint8_t pad2_[4] = {};
  ActionList actions;
  friend bool operator==(const Bucket&, const Bucket&) = default;
};

inline constexpr size_t kMaxBuckets = 256;

// A group's definition: the body of GROUP_MOD and of a GROUP_DESC multipart entry.
struct GroupDesc {
  GroupType type = GroupType::kAll;
  uint8_t pad_[1] = {};
  uint16_t n_buckets = 0;
  uint32_t group_id = 0;
  std::array<Bucket, kMaxBuckets> buckets{};

  std::span<const Bucket> view() const noexcept { return {buckets.data(), n_buckets}; }
  friend bool operator==(const GroupDesc& a, const GroupDesc& b) noexcept {
    if (a.type != b.type || a.group_id != b.group_id || a.n_buckets != b.n_buckets) return false;
    for (size_t i = 0; i < a.n_buckets; ++i) {
      if (!(a.buckets[i] == b.buckets[i])) return false;
    }
    return true;
  }
};

struct GroupMod {
  GroupModCommand command = GroupModCommand::kAdd;
  uint8_t pad_[6] = {};
  GroupDesc group;
  friend bool operator==(const GroupMod&, const GroupMod&) = default;
};

// ---- Switch and ports ---------------------------------------------------------------------

struct FeaturesReply {
  uint64_t datapath_id = 0;
  uint32_t n_buffers = 0;
  uint8_t n_tables = 0;
  uint8_t auxiliary_id = 0;
  uint8_t pad_[2] = {};
  uint32_t capabilities = 0;
  uint8_t pad2_[4] = {};
  friend bool operator==(const FeaturesReply&, const FeaturesReply&) = default;
};

// ofp_port: one entry of PORT_DESC and the body of PORT_STATUS.
struct Port {
  uint32_t port_no = 0;
  MacAddr hw_addr{};
  uint8_t pad_[2] = {};
  FixedString<16> name;
  uint32_t config = 0;  // port_config:: bits
  uint32_t state = 0;   // port_state:: bits
  uint32_t curr = 0;
  uint32_t advertised = 0;
  uint32_t supported = 0;
  uint32_t peer = 0;
  uint32_t curr_speed = 0;  // kbps
  uint32_t max_speed = 0;   // kbps
  friend bool operator==(const Port&, const Port&) = default;
};

enum class PortReason : uint8_t { kAdd = 0, kDelete = 1, kModify = 2 };

struct PortStatus {
  PortReason reason = PortReason::kAdd;
  uint8_t pad_[7] = {};
  Port desc;
  friend bool operator==(const PortStatus&, const PortStatus&) = default;
};

struct PortStats {
  uint32_t port_no = 0;
  uint8_t pad_[4] = {};
  uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  uint64_t rx_dropped = 0, tx_dropped = 0, rx_errors = 0, tx_errors = 0;
  uint64_t rx_frame_err = 0, rx_over_err = 0, rx_crc_err = 0, collisions = 0;
  uint32_t duration_sec = 0, duration_nsec = 0;
  friend bool operator==(const PortStats&, const PortStats&) = default;
};

// ---- Multipart ----------------------------------------------------------------------------

struct FlowStatsRequest {
  uint8_t table_id = kTableAll;
  uint8_t pad_[3] = {};
  uint32_t out_port = port_no::kAny;
  uint32_t out_group = group_id::kAny;
  uint8_t pad2_[4] = {};
  uint64_t cookie = 0;
  uint64_t cookie_mask = 0;
  Match match;
  friend bool operator==(const FlowStatsRequest&, const FlowStatsRequest&) = default;
};

struct FlowStats {
  uint8_t table_id = 0;
  uint8_t pad_[1] = {};
  uint16_t priority = 0;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint16_t flags = 0;
  uint8_t pad2_[2] = {};
  uint32_t duration_sec = 0;
  uint32_t duration_nsec = 0;
  uint8_t pad3_[4] = {};
  uint64_t cookie = 0;
  uint64_t packet_count = 0;
  uint64_t byte_count = 0;
  Match match;
  Instructions instructions;
  friend bool operator==(const FlowStats&, const FlowStats&) = default;
};

struct MultipartHeader {
  MultipartType type = MultipartType::kDesc;
  uint16_t flags = 0;  // kMultipartMore
  friend bool operator==(const MultipartHeader&, const MultipartHeader&) = default;
};

// ---- Errors -------------------------------------------------------------------------------

inline constexpr size_t kMaxErrorData = 256;

// OFPT_ERROR. For standard types 'data' holds the start of the offending request (at least
// 64 bytes, as the spec asks). For type kExperimenter with kSluiceExperimenter, 'data' holds
// a human-readable sentence saying what was wrong.
struct ErrorMsg {
  ErrorType type = ErrorType::kBadRequest;
  uint16_t code = 0;
  uint32_t experimenter = 0;  // only for ErrorType::kExperimenter
  uint16_t data_len = 0;
  uint8_t pad_[6] = {};
  std::array<uint8_t, kMaxErrorData> data{};

  std::span<const uint8_t> view() const noexcept { return {data.data(), data_len}; }
  friend bool operator==(const ErrorMsg& a, const ErrorMsg& b) noexcept {
    return a.type == b.type && a.code == b.code && a.experimenter == b.experimenter &&
           a.data_len == b.data_len &&
           std::memcmp(a.data.data(), b.data.data(), a.data_len) == 0;
  }
};

// What a decoder returns when bytes are bad: the error the receiver should send back.
struct OfError {
  ErrorType type = ErrorType::kBadRequest;
  uint16_t code = 0;
  uint32_t experimenter = 0;
  friend bool operator==(const OfError&, const OfError&) = default;
};

// ---- Sluice experimenter messages (OFPT_EXPERIMENTER, experimenter = kSluiceExperimenter) --

enum class SluiceMsgType : uint32_t {
  kPortAdd = 1,       // create a port (DPDK vdev hot-plug)
  kPortDel = 2,       // remove a port
  kPortSet = 3,       // port settings: MTU, admin state, MAC limit
  kSwitchConfig = 4,  // switch-wide settings: MAC aging
};

enum class PortType : uint8_t {
  kVhostUser = 1,  // device: socket path
  kAfPacket = 2,   // device: host interface name
  kTap = 3,        // device: tap interface name
  kPcap = 4,       // device: pcap devargs ("rx_pcap=a.pcap,tx_pcap=b.pcap" or "iface=x")
  kNull = 5,       // device: unused
  kRing = 6,       // device: ring name
  kDpdk = 7,       // device: PCI address or full devargs
};

namespace port_flags {
inline constexpr uint8_t kVhostClient = 1 << 0;  // vhost-user client mode (reconnects)
}

struct PortAdd {
  uint32_t port_no = 0;
  PortType type = PortType::kNull;
  uint8_t flags = 0;  // port_flags::
  uint16_t mtu = 1500;
  FixedString<16> name;      // unique, also the OpenFlow port name
  FixedString<256> device;   // meaning per PortType, above
  FixedString<256> options;  // extra DPDK devargs appended as given ("k=v,k=v"), may be empty
  friend bool operator==(const PortAdd&, const PortAdd&) = default;
};

struct PortDel {
  uint32_t port_no = 0;
  friend bool operator==(const PortDel&, const PortDel&) = default;
};

struct PortSet {
  uint32_t port_no = 0;
  uint16_t mtu = 1500;
  uint8_t admin_up = 1;
  uint8_t pad_[1] = {};
  uint32_t mac_limit = 0;  // learned MACs allowed on this port; 0 = no limit
  friend bool operator==(const PortSet&, const PortSet&) = default;
};

// The table that learns MACs (docs/architecture.md, "Table 40"): it accepts only the L2 shapes
// and learns from every packet that reaches it. kNoLearningTable makes every table a plain
// OpenFlow table; that is also the dataplane's state before any SWITCH_CONFIG.
inline constexpr uint8_t kNoLearningTable = 0xff;

struct SwitchConfig {
  uint32_t mac_aging_seconds = 300;
  uint8_t learning_table = 40;  // of::l2::kL2Table
  uint8_t pad_[3] = {};
  friend bool operator==(const SwitchConfig&, const SwitchConfig&) = default;
};

static_assert(std::is_trivially_copyable_v<Match>);
static_assert(std::is_trivially_copyable_v<FlowMod>);
static_assert(std::is_trivially_copyable_v<GroupMod>);
static_assert(std::is_trivially_copyable_v<PortAdd>);
static_assert(std::is_trivially_copyable_v<ErrorMsg>);
static_assert(sizeof(Action) == 48);
static_assert(sizeof(Match) == 160);
static_assert(std::has_unique_object_representations_v<Match>);  // no hidden padding
static_assert(sizeof(PortAdd) == 536);

// ---- Roles (OFPT_ROLE_REQUEST / OFPT_ROLE_REPLY, OpenFlow 1.3.5 §6.3.6 and §7.3.9) ------------
// Kept in its own section so that additions elsewhere in this file merge cleanly.

enum class ControllerRole : uint32_t {
  kNoChange = 0,  // OFPCR_ROLE_NOCHANGE: only ask for the current role
  kEqual = 1,     // OFPCR_ROLE_EQUAL: full access, the default
  kMaster = 2,    // OFPCR_ROLE_MASTER: full access; at most one master
  kSlave = 3,     // OFPCR_ROLE_SLAVE: read-only
};

// Codes of OFPET_ROLE_REQUEST_FAILED (ErrorType::kRoleRequestFailed).
namespace role_request_failed {
inline constexpr uint16_t kStale = 0, kUnsup = 1, kBadRole = 2;
}

// The body of ROLE_REQUEST and of ROLE_REPLY (ofp_role_request: u32 role, pad[4],
// u64 generation_id).
struct RoleRequest {
  ControllerRole role = ControllerRole::kNoChange;
  uint8_t pad_[4] = {};
  uint64_t generation_id = 0;
  friend bool operator==(const RoleRequest&, const RoleRequest&) = default;
};
static_assert(std::is_trivially_copyable_v<RoleRequest>);
static_assert(sizeof(RoleRequest) == 16);

// The body of SET_ASYNC and GET_ASYNC_REPLY (ofp_async_config): which asynchronous messages a
// connection wants, by reason bit, in [0] while MASTER or EQUAL and in [1] while SLAVE.
// packet_in_mask: 1 << ofp_packet_in_reason (NO_MATCH 0, ACTION 1, INVALID_TTL 2);
// port_status_mask: 1 << ofp_port_reason (ADD 0, DELETE 1, MODIFY 2);
// flow_removed_mask: 1 << ofp_flow_removed_reason (IDLE 0, HARD 1, DELETE 2, GROUP_DELETE 3).
struct AsyncConfig {
  uint32_t packet_in_mask[2] = {0x3, 0x0};
  uint32_t port_status_mask[2] = {0x7, 0x7};
  uint32_t flow_removed_mask[2] = {0xf, 0x0};
  friend bool operator==(const AsyncConfig&, const AsyncConfig&) = default;
};
static_assert(std::is_trivially_copyable_v<AsyncConfig>);
static_assert(sizeof(AsyncConfig) == 24);

// ---- Hello version negotiation (OpenFlow 1.3.5 §6.3.1, §7.5.1) -------------------------------

// What a HELLO offers: the versions of its OFPHET_VERSIONBITMAP element if it has one (bit v
// of 'bitmap' is version v; versions above 31 are not kept), otherwise every version up to
// 'header_version'.
struct HelloVersions {
  uint8_t header_version = 0;
  bool has_bitmap = false;
  uint8_t pad_[2] = {};
  uint32_t bitmap = 0;

  bool offers(uint8_t version) const noexcept {
    if (!has_bitmap) return version <= header_version;
    return version < 32 && (bitmap >> version & 1u) != 0;
  }
  friend bool operator==(const HelloVersions&, const HelloVersions&) = default;
};


// ---- Packet I/O, flow removal, switch configuration -----------------------------------------
//
// PACKET_IN and PACKET_OUT carry a frame of any length. The structs hold only the fixed part;
// the frame travels beside them as a std::span: the encoders take it as an argument, and the
// decoders return it as a view into the decoded message (valid as long as the message's
// bytes are), so that neither side copies or allocates for it.

enum class FlowRemovedReason : uint8_t {
  kIdleTimeout = 0,
  kHardTimeout = 1,
  kDelete = 2,
  kGroupDelete = 3,
};

struct FlowRemoved {
  uint64_t cookie = 0;
  uint16_t priority = 0;
  FlowRemovedReason reason = FlowRemovedReason::kIdleTimeout;
  uint8_t table_id = 0;
  uint32_t duration_sec = 0;
  uint32_t duration_nsec = 0;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint64_t packet_count = 0;
  uint64_t byte_count = 0;
  Match match;
  friend bool operator==(const FlowRemoved&, const FlowRemoved&) = default;
};

enum class PacketInReason : uint8_t { kNoMatch = 0, kAction = 1, kInvalidTtl = 2 };

// PACKET_IN without its frame (see above). 'match' holds the pipeline fields: in_port always,
// metadata and tunnel_id when set.
struct PacketIn {
  uint32_t buffer_id = kNoBuffer;
  uint16_t total_len = 0;  // the frame's full length; the data may be a prefix of it
  PacketInReason reason = PacketInReason::kNoMatch;
  uint8_t table_id = 0;
  uint64_t cookie = 0;
  Match match;
  friend bool operator==(const PacketIn&, const PacketIn&) = default;
};

// PACKET_OUT without its frame (see above).
struct PacketOut {
  uint32_t buffer_id = kNoBuffer;  // Sluice buffers nothing: always kNoBuffer when decoded
  uint32_t in_port = port_no::kController;
  ActionList actions;
  friend bool operator==(const PacketOut&, const PacketOut&) = default;
};

// ofp_switch_config: the body of GET_CONFIG_REPLY and SET_CONFIG (not to be confused with
// Sluice's own SwitchConfig experimenter message).
struct OfSwitchConfig {
  uint16_t flags = config_flags::kFragNormal;
  uint16_t miss_send_len = kDefaultMissSendLen;
  friend bool operator==(const OfSwitchConfig&, const OfSwitchConfig&) = default;
};

// ---- Statistics (multipart DESC, AGGREGATE, TABLE, GROUP) -----------------------------------

// OFPMP_DESC reply (ofp_desc).
struct Desc {
  FixedString<256> mfr_desc;
  FixedString<256> hw_desc;
  FixedString<256> sw_desc;
  FixedString<32> serial_num;
  FixedString<256> dp_desc;
  friend bool operator==(const Desc&, const Desc&) = default;
};

// OFPMP_AGGREGATE reply (ofp_aggregate_stats_reply). The request is a FlowStatsRequest.
struct AggregateStats {
  uint64_t packet_count = 0;
  uint64_t byte_count = 0;
  uint32_t flow_count = 0;
  uint8_t pad_[4] = {};
  friend bool operator==(const AggregateStats&, const AggregateStats&) = default;
};

// One OFPMP_TABLE reply entry (ofp_table_stats).
struct TableStats {
  uint8_t table_id = 0;
  uint8_t pad_[3] = {};
  uint32_t active_count = 0;
  uint64_t lookup_count = 0;
  uint64_t matched_count = 0;
  friend bool operator==(const TableStats&, const TableStats&) = default;
};

struct BucketCounter {
  uint64_t packet_count = 0;
  uint64_t byte_count = 0;
  friend bool operator==(const BucketCounter&, const BucketCounter&) = default;
};

// One OFPMP_GROUP reply entry (ofp_group_stats), with one counter per bucket.
struct GroupStats {
  uint32_t group_id = 0;
  uint32_t ref_count = 0;
  uint64_t packet_count = 0;
  uint64_t byte_count = 0;
  uint32_t duration_sec = 0;
  uint32_t duration_nsec = 0;
  uint16_t n_buckets = 0;
  uint8_t pad_[6] = {};
  std::array<BucketCounter, kMaxBuckets> buckets{};

  std::span<const BucketCounter> view() const noexcept { return {buckets.data(), n_buckets}; }
  friend bool operator==(const GroupStats& a, const GroupStats& b) noexcept {
    if (a.group_id != b.group_id || a.ref_count != b.ref_count ||
        a.packet_count != b.packet_count || a.byte_count != b.byte_count ||
        a.duration_sec != b.duration_sec || a.duration_nsec != b.duration_nsec ||
        a.n_buckets != b.n_buckets) {
      return false;
    }
    for (size_t i = 0; i < a.n_buckets; ++i) {
      if (!(a.buckets[i] == b.buckets[i])) return false;
    }
    return true;
  }
};

// ---- Bundles (ONF extension EXT-230: OpenFlow 1.4 bundles carried in 1.3) -----------------

// OFPT_EXPERIMENTER's own header: which experimenter, which of its messages.
struct ExperimenterHeader {
  uint32_t experimenter = 0;
  uint32_t exp_type = 0;
  friend bool operator==(const ExperimenterHeader&, const ExperimenterHeader&) = default;
};

// exp_type of the ONF experimenter messages this codec knows.
enum class OnfMsgType : uint32_t {
  kBundleControl = 2300,     // ONFT_BUNDLE_CONTROL
  kBundleAddMessage = 2301,  // ONFT_BUNDLE_ADD_MESSAGE
};

enum class BundleCtrlType : uint16_t {
  kOpenRequest = 0,
  kOpenReply = 1,
  kCloseRequest = 2,
  kCloseReply = 3,
  kCommitRequest = 4,
  kCommitReply = 5,
  kDiscardRequest = 6,
  kDiscardReply = 7,
};

struct BundleCtrl {
  uint32_t bundle_id = 0;
  BundleCtrlType type = BundleCtrlType::kOpenRequest;
  uint16_t flags = 0;  // bundle_flags::
  friend bool operator==(const BundleCtrl&, const BundleCtrl&) = default;
};

// BUNDLE_ADD_MESSAGE without the embedded message, which the decoder returns as a view into
// the decoded bytes (a whole message: decode it with the decoder of its type).
struct BundleAdd {
  uint32_t bundle_id = 0;
  uint16_t flags = 0;  // bundle_flags::
  uint8_t pad_[2] = {};
  friend bool operator==(const BundleAdd&, const BundleAdd&) = default;
};

static_assert(std::is_trivially_copyable_v<FlowRemoved>);
static_assert(std::is_trivially_copyable_v<PacketIn>);
static_assert(std::is_trivially_copyable_v<PacketOut>);
static_assert(std::is_trivially_copyable_v<Desc>);
static_assert(std::is_trivially_copyable_v<GroupStats>);
static_assert(std::is_trivially_copyable_v<BundleCtrl>);
static_assert(sizeof(OfSwitchConfig) == 4);
static_assert(sizeof(Desc) == 1056);
static_assert(sizeof(AggregateStats) == 24);
static_assert(sizeof(TableStats) == 24);
static_assert(sizeof(BundleCtrl) == 8);
static_assert(sizeof(BundleAdd) == 8);

}  // namespace sluice::of
