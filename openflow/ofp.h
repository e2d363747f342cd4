// OpenFlow 1.3 wire constants (numbers from the OpenFlow Switch Specification 1.3.5) and the
// Sluice experimenter's own numbers. Plain constants only: no logic lives here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::of {

inline constexpr uint8_t kVersion = 0x04;
inline constexpr uint16_t kHeaderSize = 8;
inline constexpr uint16_t kMaxMessageSize = 0xffff;
// Experimenter id of Sluice's own messages, actions and errors ("SLU").
inline constexpr uint32_t kSluiceExperimenter = 0x00534c55;

enum class MsgType : uint8_t {
  kHello = 0,
  kError = 1,
  kEchoRequest = 2,
  kEchoReply = 3,
  kExperimenter = 4,
  kFeaturesRequest = 5,
  kFeaturesReply = 6,
  kGetConfigRequest = 7,
  kGetConfigReply = 8,
  kSetConfig = 9,
  kPacketIn = 10,
  kFlowRemoved = 11,
  kPortStatus = 12,
  kPacketOut = 13,
  kFlowMod = 14,
  kGroupMod = 15,
  kPortMod = 16,
  kTableMod = 17,
  kMultipartRequest = 18,
  kMultipartReply = 19,
  kBarrierRequest = 20,
  kBarrierReply = 21,
  kRoleRequest = 24,
  kRoleReply = 25,
  kGetAsyncRequest = 26,
  kGetAsyncReply = 27,
  kSetAsync = 28,
};

// Error types (ofp_error_type) and codes.
enum class ErrorType : uint16_t {
  kHelloFailed = 0,
  kBadRequest = 1,
  kBadAction = 2,
  kBadInstruction = 3,
  kBadMatch = 4,
  kFlowModFailed = 5,
  kGroupModFailed = 6,
  kPortModFailed = 7,
  kTableModFailed = 8,
  kSwitchConfigFailed = 10,
  kRoleRequestFailed = 11,
  kTableFeaturesFailed = 13,  // in 1.3 also the type of some property errors (see below)
  kExperimenter = 0xffff,
};

namespace hello_failed {
inline constexpr uint16_t kIncompatible = 0, kEperm = 1;
}
namespace bad_request {
inline constexpr uint16_t kBadVersion = 0, kBadType = 1, kBadMultipart = 2, kBadExperimenter = 3,
                          kBadExpType = 4, kEperm = 5, kBadLen = 6, kBufferEmpty = 7,
                          kBufferUnknown = 8, kBadTableId = 9, kIsSlave = 10, kBadPort = 11,
                          kBadPacket = 12, kMultipartBufferOverflow = 13;
}
namespace bad_action {
inline constexpr uint16_t kBadType = 0, kBadLen = 1, kBadExperimenter = 2, kBadExpType = 3,
                          kBadOutPort = 4, kBadArgument = 5, kEperm = 6, kTooMany = 7,
                          kBadQueue = 8, kBadOutGroup = 9, kMatchInconsistent = 10,
                          kUnsupportedOrder = 11, kBadTag = 12, kBadSetType = 13,
                          kBadSetLen = 14, kBadSetArgument = 15;
}
namespace bad_instruction {
inline constexpr uint16_t kUnknownInst = 0, kUnsupInst = 1, kBadTableId = 2, kUnsupMetadata = 3,
                          kUnsupMetadataMask = 4, kBadExperimenter = 5, kBadExpType = 6,
                          kBadLen = 7, kEperm = 8;
}
namespace bad_match {
inline constexpr uint16_t kBadType = 0, kBadLen = 1, kBadTag = 2, kBadDlAddrMask = 3,
                          kBadNwAddrMask = 4, kBadWildcards = 5, kBadField = 6, kBadValue = 7,
                          kBadMask = 8, kBadPrereq = 9, kDupField = 10, kEperm = 11;
}
namespace flow_mod_failed {
inline constexpr uint16_t kUnknown = 0, kTableFull = 1, kBadTableId = 2, kOverlap = 3, kEperm = 4,
                          kBadTimeout = 5, kBadCommand = 6, kBadFlags = 7;
}
namespace group_mod_failed {
inline constexpr uint16_t kGroupExists = 0, kInvalidGroup = 1, kWeightUnsupported = 2,
                          kOutOfGroups = 3, kOutOfBuckets = 4, kChainingUnsupported = 5,
                          kWatchUnsupported = 6, kLoop = 7, kUnknownGroup = 8,
                          kChainedGroup = 9, kBadType = 10, kBadCommand = 11, kBadBucket = 12,
                          kBadWatch = 13, kEperm = 14;
}
namespace port_mod_failed {
inline constexpr uint16_t kBadPort = 0, kBadHwAddr = 1, kBadConfig = 2, kBadAdvertise = 3,
                          kEperm = 4;
}
// Codes of errors with type kExperimenter and experimenter kSluiceExperimenter.
namespace sluice_error {
inline constexpr uint16_t kPortExists = 1,     // PORT_ADD for a port number or name in use
    kPortUnknown = 2,                          // PORT_DEL / PORT_SET for a port that is not there
    kPortCreateFailed = 3,                     // the device could not be created (data: reason)
    kPortTableFull = 4,                        // no room for another port
    kBadPortType = 5,                          // unknown PortType
    kBadPortArgument = 6;                      // a field out of range (data: which)
}

// Reserved port numbers (ofp_port_no).
namespace port_no {
inline constexpr uint32_t kMax = 0xffffff00, kInPort = 0xfffffff8, kTable = 0xfffffff9,
                          kNormal = 0xfffffffa, kFlood = 0xfffffffb, kAll = 0xfffffffc,
                          kController = 0xfffffffd, kLocal = 0xfffffffe, kAny = 0xffffffff;
}
namespace group_id {
inline constexpr uint32_t kMax = 0xffffff00, kAll = 0xfffffffc, kAny = 0xffffffff;
}
inline constexpr uint8_t kTableAll = 0xff;
inline constexpr uint32_t kNoBuffer = 0xffffffff;

// vlan_vid: OFPVID_PRESENT marks a tagged frame; 0 with no mask means "no tag".
inline constexpr uint16_t kVidPresent = 0x1000;
inline constexpr uint16_t kVidNone = 0x0000;

// Flow mod flags.
namespace flow_flags {
inline constexpr uint16_t kSendFlowRem = 1 << 0, kCheckOverlap = 1 << 1, kResetCounts = 1 << 2,
                          kNoPktCounts = 1 << 3, kNoBytCounts = 1 << 4;
}

// Port config / state bits (ofp_port_config, ofp_port_state).
namespace port_config {
inline constexpr uint32_t kPortDown = 1 << 0, kNoRecv = 1 << 2, kNoFwd = 1 << 5,
                          kNoPacketIn = 1 << 6;
}
namespace port_state {
inline constexpr uint32_t kLinkDown = 1 << 0, kBlocked = 1 << 1, kLive = 1 << 2;
}

enum class MultipartType : uint16_t {
  kDesc = 0,
  kFlow = 1,
  kAggregate = 2,
  kTable = 3,
  kPortStats = 4,
  kQueue = 5,
  kGroup = 6,
  kGroupDesc = 7,
  kGroupFeatures = 8,
  kTableFeatures = 12,
  kPortDesc = 13,
  kExperimenter = 0xffff,
};
inline constexpr uint16_t kMultipartMore = 1;  // OFPMPF_REQ_MORE / OFPMPF_REPLY_MORE

// ---- Packet I/O, switch configuration, statistics, bundles ---------------------------------

// Experimenter id of the ONF extensions OpenFlow 1.3 borrows from 1.4 ("ONF\0"); bundles are
// EXT-230 (see codec_bundle.cc).
inline constexpr uint32_t kOnfExperimenter = 0x4f4e4600;

// The largest frame a PACKET_OUT may carry: a 9000-byte MTU jumbo frame with an Ethernet
// header and two VLAN tags fits. The smallest is an Ethernet header.
inline constexpr size_t kMaxFrameLen = 9216;
inline constexpr size_t kMinFrameLen = 14;

// ofp_switch_config flags (OFPC_FRAG_*: how IP fragments are handled) and miss_send_len
// limits (ofp_controller_max_len).
namespace config_flags {
inline constexpr uint16_t kFragNormal = 0, kFragDrop = 1, kFragReasm = 2, kFragMask = 3;
}
inline constexpr uint16_t kDefaultMissSendLen = 128;     // OFP_DEFAULT_MISS_SEND_LEN
inline constexpr uint16_t kControllerMaxLen = 0xffe5;    // OFPCML_MAX
inline constexpr uint16_t kControllerNoBuffer = 0xffff;  // OFPCML_NO_BUFFER

namespace switch_config_failed {
inline constexpr uint16_t kBadFlags = 0, kBadLen = 1, kEperm = 2;
}
namespace table_features_failed {
inline constexpr uint16_t kBadTable = 0, kBadMetadata = 1, kBadType = 2, kBadLen = 3,
                          kBadArgument = 4, kEperm = 5;
}

// Bundle errors. OpenFlow 1.4 has OFPET_BUNDLE_FAILED (17); in 1.3 Open vSwitch sends the same
// errors as ErrorType::kExperimenter with experimenter kOnfExperimenter and these exp_codes
// (OFPBFC_* = 2300 + the 1.4 code), and this codec does the same.
namespace bundle_failed {
inline constexpr uint16_t kUnknown = 2300, kEperm = 2301, kBadId = 2302, kBundleExist = 2303,
                          kBundleClosed = 2304, kOutOfBundles = 2305, kBadType = 2306,
                          kBadFlags = 2307, kMsgBadLen = 2308, kMsgBadXid = 2309, kMsgUnsup = 2310,
                          kMsgConflict = 2311, kMsgTooMany = 2312, kMsgFailed = 2313,
                          kTimeout = 2314, kBundleInProgress = 2315;
}
// Property errors (1.4's OFPET_BAD_PROPERTY, 14) as Open vSwitch encodes them in 1.3: BAD_TYPE,
// BAD_LEN and BAD_VALUE borrow OFPET_TABLE_FEATURES_FAILED's codes 2..4 (the 1.3 names
// OFPTFFC_BAD_TYPE / _BAD_LEN / _BAD_ARGUMENT); the rest are ONF experimenter errors.
namespace bad_property {
inline constexpr uint16_t kBadType = table_features_failed::kBadType,
                          kBadLen = table_features_failed::kBadLen,
                          kBadValue = table_features_failed::kBadArgument;
// ErrorType::kExperimenter, experimenter kOnfExperimenter:
inline constexpr uint16_t kTooMany = 4443, kDupType = 4444, kBadExperimenter = 4445,
                          kBadExpType = 4446, kBadExpValue = 4447, kEperm = 4448;
}  // namespace bad_property

// Bundle flags (ofp_bundle_flags).
namespace bundle_flags {
inline constexpr uint16_t kAtomic = 1 << 0, kOrdered = 1 << 1;
}

}  // namespace sluice::of
