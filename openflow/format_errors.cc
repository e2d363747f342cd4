// Names of OpenFlow error types and codes, and format_error.
//
//   error_type_name(kBadMatch, kBadPrereq)         "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ"
//   error_type_name(kExperimenter, kPortExists)    "SLUICE/PORT_EXISTS" (Sluice's codes)
//   an unknown code                                "OFPET_BAD_MATCH/99"
//   an unknown type                                "OFPET_9/3"
//   error_name(ONF's kExperimenter, 2309)          "ONF/OFPBFC_MSG_BAD_XID"
#include <array>
#include <span>

#include "openflow/format.h"
#include "openflow/format_util.h"

namespace sluice::of {
namespace {

constexpr std::string_view kHelloFailed[] = {"OFPHFC_INCOMPATIBLE", "OFPHFC_EPERM"};
constexpr std::string_view kBadRequest[] = {
    "OFPBRC_BAD_VERSION",    "OFPBRC_BAD_TYPE",
    "OFPBRC_BAD_MULTIPART",  "OFPBRC_BAD_EXPERIMENTER",
    "OFPBRC_BAD_EXP_TYPE",   "OFPBRC_EPERM",
    "OFPBRC_BAD_LEN",        "OFPBRC_BUFFER_EMPTY",
    "OFPBRC_BUFFER_UNKNOWN", "OFPBRC_BAD_TABLE_ID",
    "OFPBRC_IS_SLAVE",       "OFPBRC_BAD_PORT",
    "OFPBRC_BAD_PACKET",     "OFPBRC_MULTIPART_BUFFER_OVERFLOW"};
constexpr std::string_view kBadAction[] = {"OFPBAC_BAD_TYPE",
                                           "OFPBAC_BAD_LEN",
                                           "OFPBAC_BAD_EXPERIMENTER",
                                           "OFPBAC_BAD_EXP_TYPE",
                                           "OFPBAC_BAD_OUT_PORT",
                                           "OFPBAC_BAD_ARGUMENT",
                                           "OFPBAC_EPERM",
                                           "OFPBAC_TOO_MANY",
                                           "OFPBAC_BAD_QUEUE",
                                           "OFPBAC_BAD_OUT_GROUP",
                                           "OFPBAC_MATCH_INCONSISTENT",
                                           "OFPBAC_UNSUPPORTED_ORDER",
                                           "OFPBAC_BAD_TAG",
                                           "OFPBAC_BAD_SET_TYPE",
                                           "OFPBAC_BAD_SET_LEN",
                                           "OFPBAC_BAD_SET_ARGUMENT"};
constexpr std::string_view kBadInstruction[] = {"OFPBIC_UNKNOWN_INST",
                                                "OFPBIC_UNSUP_INST",
                                                "OFPBIC_BAD_TABLE_ID",
                                                "OFPBIC_UNSUP_METADATA",
                                                "OFPBIC_UNSUP_METADATA_MASK",
                                                "OFPBIC_BAD_EXPERIMENTER",
                                                "OFPBIC_BAD_EXP_TYPE",
                                                "OFPBIC_BAD_LEN",
                                                "OFPBIC_EPERM"};
constexpr std::string_view kBadMatch[] = {
    "OFPBMC_BAD_TYPE",         "OFPBMC_BAD_LEN",          "OFPBMC_BAD_TAG",
    "OFPBMC_BAD_DL_ADDR_MASK", "OFPBMC_BAD_NW_ADDR_MASK", "OFPBMC_BAD_WILDCARDS",
    "OFPBMC_BAD_FIELD",        "OFPBMC_BAD_VALUE",        "OFPBMC_BAD_MASK",
    "OFPBMC_BAD_PREREQ",       "OFPBMC_DUP_FIELD",        "OFPBMC_EPERM"};
constexpr std::string_view kFlowModFailed[] = {
    "OFPFMFC_UNKNOWN", "OFPFMFC_TABLE_FULL",  "OFPFMFC_BAD_TABLE_ID", "OFPFMFC_OVERLAP",
    "OFPFMFC_EPERM",   "OFPFMFC_BAD_TIMEOUT", "OFPFMFC_BAD_COMMAND",  "OFPFMFC_BAD_FLAGS"};
constexpr std::string_view kGroupModFailed[] = {
    "OFPGMFC_GROUP_EXISTS",      "OFPGMFC_INVALID_GROUP",  "OFPGMFC_WEIGHT_UNSUPPORTED",
    "OFPGMFC_OUT_OF_GROUPS",     "OFPGMFC_OUT_OF_BUCKETS", "OFPGMFC_CHAINING_UNSUPPORTED",
    "OFPGMFC_WATCH_UNSUPPORTED", "OFPGMFC_LOOP",           "OFPGMFC_UNKNOWN_GROUP",
    "OFPGMFC_CHAINED_GROUP",     "OFPGMFC_BAD_TYPE",       "OFPGMFC_BAD_COMMAND",
    "OFPGMFC_BAD_BUCKET",        "OFPGMFC_BAD_WATCH",      "OFPGMFC_EPERM"};
constexpr std::string_view kPortModFailed[] = {"OFPPMFC_BAD_PORT", "OFPPMFC_BAD_HW_ADDR",
                                               "OFPPMFC_BAD_CONFIG", "OFPPMFC_BAD_ADVERTISE",
                                               "OFPPMFC_EPERM"};
constexpr std::string_view kTableModFailed[] = {"OFPTMFC_BAD_TABLE", "OFPTMFC_BAD_CONFIG",
                                                "OFPTMFC_EPERM"};
constexpr std::string_view kSwitchConfigFailed[] = {"OFPSCFC_BAD_FLAGS", "OFPSCFC_BAD_LEN",
                                                    "OFPSCFC_EPERM"};
constexpr std::string_view kRoleRequestFailed[] = {"OFPRRFC_STALE", "OFPRRFC_UNSUP",
                                                   "OFPRRFC_BAD_ROLE"};
constexpr std::string_view kTableFeaturesFailed[] = {"OFPTFFC_BAD_TABLE",    "OFPTFFC_BAD_METADATA",
                                                     "OFPTFFC_BAD_TYPE",     "OFPTFFC_BAD_LEN",
                                                     "OFPTFFC_BAD_ARGUMENT", "OFPTFFC_EPERM"};
// ONF experimenter codes (ofp.h): bundle errors from 2300, property errors from 4443.
constexpr std::string_view kOnfBundle[] = {
    "OFPBFC_UNKNOWN",           "OFPBFC_EPERM",         "OFPBFC_BAD_ID",
    "OFPBFC_BUNDLE_EXIST",      "OFPBFC_BUNDLE_CLOSED", "OFPBFC_OUT_OF_BUNDLES",
    "OFPBFC_BAD_TYPE",          "OFPBFC_BAD_FLAGS",     "OFPBFC_MSG_BAD_LEN",
    "OFPBFC_MSG_BAD_XID",       "OFPBFC_MSG_UNSUP",     "OFPBFC_MSG_CONFLICT",
    "OFPBFC_MSG_TOO_MANY",      "OFPBFC_MSG_FAILED",    "OFPBFC_TIMEOUT",
    "OFPBFC_BUNDLE_IN_PROGRESS"};
constexpr std::string_view kOnfProperty[] = {"OFPBPC_TOO_MANY",         "OFPBPC_DUP_TYPE",
                                             "OFPBPC_BAD_EXPERIMENTER", "OFPBPC_BAD_EXP_TYPE",
                                             "OFPBPC_BAD_EXP_VALUE",    "OFPBPC_EPERM"};
static_assert(std::size(kTableFeaturesFailed) == table_features_failed::kEperm + 1);
static_assert(std::size(kOnfBundle) ==
              bundle_failed::kBundleInProgress - bundle_failed::kUnknown + 1);
static_assert(std::size(kOnfProperty) == bad_property::kEperm - bad_property::kTooMany + 1);
// Sluice's codes start at 1; index 0 is unused.
constexpr std::string_view kSluice[] = {"",
                                        "PORT_EXISTS",
                                        "PORT_UNKNOWN",
                                        "PORT_CREATE_FAILED",
                                        "PORT_TABLE_FULL",
                                        "BAD_PORT_TYPE",
                                        "BAD_PORT_ARGUMENT"};
static_assert(std::size(kBadRequest) == bad_request::kMultipartBufferOverflow + 1);
static_assert(std::size(kBadAction) == bad_action::kBadSetArgument + 1);
static_assert(std::size(kBadInstruction) == bad_instruction::kEperm + 1);
static_assert(std::size(kBadMatch) == bad_match::kEperm + 1);
static_assert(std::size(kGroupModFailed) == group_mod_failed::kEperm + 1);
static_assert(std::size(kSluice) == sluice_error::kBadPortArgument + 1);

struct TypeNames {
  std::string_view type;
  std::span<const std::string_view> codes;
};

TypeNames names_of(ErrorType type) {
  switch (type) {
    case ErrorType::kHelloFailed:
      return {"OFPET_HELLO_FAILED", kHelloFailed};
    case ErrorType::kBadRequest:
      return {"OFPET_BAD_REQUEST", kBadRequest};
    case ErrorType::kBadAction:
      return {"OFPET_BAD_ACTION", kBadAction};
    case ErrorType::kBadInstruction:
      return {"OFPET_BAD_INSTRUCTION", kBadInstruction};
    case ErrorType::kBadMatch:
      return {"OFPET_BAD_MATCH", kBadMatch};
    case ErrorType::kFlowModFailed:
      return {"OFPET_FLOW_MOD_FAILED", kFlowModFailed};
    case ErrorType::kGroupModFailed:
      return {"OFPET_GROUP_MOD_FAILED", kGroupModFailed};
    case ErrorType::kPortModFailed:
      return {"OFPET_PORT_MOD_FAILED", kPortModFailed};
    case ErrorType::kTableModFailed:
      return {"OFPET_TABLE_MOD_FAILED", kTableModFailed};
    case ErrorType::kSwitchConfigFailed:
      return {"OFPET_SWITCH_CONFIG_FAILED", kSwitchConfigFailed};
    case ErrorType::kRoleRequestFailed:
      return {"OFPET_ROLE_REQUEST_FAILED", kRoleRequestFailed};
    case ErrorType::kTableFeaturesFailed:
      return {"OFPET_TABLE_FEATURES_FAILED", kTableFeaturesFailed};
    case ErrorType::kExperimenter:
      return {"SLUICE", kSluice};
  }
  return {};
}

// "ONF/OFPBFC_BAD_ID"; unknown ONF codes as numbers.
std::string onf_error_name(uint16_t code) {
  std::string_view name;
  if (code >= bundle_failed::kUnknown && code <= bundle_failed::kBundleInProgress) {
    name = kOnfBundle[code - bundle_failed::kUnknown];
  } else if (code >= bad_property::kTooMany && code <= bad_property::kEperm) {
    name = kOnfProperty[code - bad_property::kTooMany];
  }
  return text::cat("ONF/", name.empty() ? std::to_string(code) : std::string(name));
}

// ", request OFPT_FLOW_MOD xid=0x5 (64 bytes of it)" for data that starts with a header.
std::string request_text(const ErrorMsg& e) {
  if (e.data_len >= kHeaderSize) {
    const uint32_t xid = (uint32_t{e.data[4]} << 24) | (uint32_t{e.data[5]} << 16) |
                         (uint32_t{e.data[6]} << 8) | e.data[7];
    return text::fmt(", request %s xid=0x%x (%u bytes of it)",
                     std::string(msg_type_name(static_cast<MsgType>(e.data[1]))).c_str(), xid,
                     e.data_len);
  }
  if (e.data_len > 0) return text::fmt(", %u bytes of data", e.data_len);
  return "";
}

}  // namespace

std::string error_name(const OfError& e) {
  if (e.type != ErrorType::kExperimenter || e.experimenter == kSluiceExperimenter) {
    return error_type_name(e.type, e.code);
  }
  if (e.experimenter == kOnfExperimenter) return onf_error_name(e.code);
  return text::fmt("EXPERIMENTER(0x%08x)/%u", e.experimenter, e.code);
}

std::string error_type_name(ErrorType type, uint16_t code) {
  const TypeNames names = names_of(type);
  std::string out = names.type.empty()
                        ? text::cat("OFPET_", std::to_string(static_cast<unsigned>(type)))
                        : std::string(names.type);
  out += "/";
  if (code < names.codes.size() && !names.codes[code].empty()) {
    out += names.codes[code];
  } else {
    out += std::to_string(code);
  }
  return out;
}

std::string format_error(const ErrorMsg& e) {
  const std::string_view data(reinterpret_cast<const char*>(e.data.data()), e.data_len);
  if (e.type == ErrorType::kExperimenter && e.experimenter == kOnfExperimenter) {
    return onf_error_name(e.code) + request_text(e);
  }
  if (e.type == ErrorType::kExperimenter) {
    if (e.experimenter != kSluiceExperimenter) {
      return text::fmt("OFPET_EXPERIMENTER/experimenter=0x%08x,exp_code=%u, %u bytes of data",
                       e.experimenter, e.code, e.data_len);
    }
    std::string out = error_type_name(e.type, e.code);
    if (!data.empty()) out += text::cat(": ", text::printable(data));
    return out;
  }
  return error_type_name(e.type, e.code) + request_text(e);
}

}  // namespace sluice::of
