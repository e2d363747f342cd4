// format_message: any whole message as "OFPT_<TYPE> (xid=0x..)[: <body>]".
//
// Each type is decoded with its strict decoder; a decode failure prints as
// "(malformed: <error name>)" in place of the body. Types Sluice does not decode (PORT_MOD,
// ROLE_REQUEST, ...) print "(not decoded, N bytes)". Multipart replies put each entry on its
// own line, indented by one space, after the header line; so do DESC replies (one line per
// field) and BUNDLE_ADD messages (the embedded message).
#include <algorithm>
#include <memory>

#include "openflow/codec.h"
#include "openflow/format.h"
#include "openflow/format_util.h"

namespace sluice::of {
namespace {

constexpr std::string_view kTypeNames[] = {"OFPT_HELLO",
                                           "OFPT_ERROR",
                                           "OFPT_ECHO_REQUEST",
                                           "OFPT_ECHO_REPLY",
                                           "OFPT_EXPERIMENTER",
                                           "OFPT_FEATURES_REQUEST",
                                           "OFPT_FEATURES_REPLY",
                                           "OFPT_GET_CONFIG_REQUEST",
                                           "OFPT_GET_CONFIG_REPLY",
                                           "OFPT_SET_CONFIG",
                                           "OFPT_PACKET_IN",
                                           "OFPT_FLOW_REMOVED",
                                           "OFPT_PORT_STATUS",
                                           "OFPT_PACKET_OUT",
                                           "OFPT_FLOW_MOD",
                                           "OFPT_GROUP_MOD",
                                           "OFPT_PORT_MOD",
                                           "OFPT_TABLE_MOD",
                                           "OFPT_MULTIPART_REQUEST",
                                           "OFPT_MULTIPART_REPLY",
                                           "OFPT_BARRIER_REQUEST",
                                           "OFPT_BARRIER_REPLY",
                                           "OFPT_22",
                                           "OFPT_23",
                                           "OFPT_ROLE_REQUEST",
                                           "OFPT_ROLE_REPLY",
                                           "OFPT_GET_ASYNC_REQUEST",
                                           "OFPT_GET_ASYNC_REPLY",
                                           "OFPT_SET_ASYNC"};

std::string malformed(const OfError& e) { return text::cat("(malformed: ", error_name(e), ")"); }

// Each line of 'lines' on its own line, indented by one space.
std::string indented(std::string_view lines) {
  std::string out;
  size_t from = 0;
  while (from <= lines.size()) {
    const size_t to = std::min(lines.find('\n', from), lines.size());
    out += text::cat("\n ", lines.substr(from, to - from));
    from = to + 1;
  }
  return out;
}

// Formats the decoded value with 'fmt', or names the decode error.
template <class T, class Fmt>
std::string or_malformed(const Decoded<T>& d, Fmt fmt) {
  return d ? fmt(*d) : malformed(d.error());
}

std::string or_malformed(const Decoded<void>& d) { return d ? "" : malformed(d.error()); }

// Text that follows a name: what 'fmt' makes of the value (starting with its own separator),
// or " (malformed: ...)".
template <class T, class Fmt>
std::string suffix_or_malformed(const Decoded<T>& d, Fmt fmt) {
  return d ? fmt(*d) : text::cat(" ", malformed(d.error()));
}
std::string suffix_or_malformed(const Decoded<void>& d) {
  return d ? "" : text::cat(" ", malformed(d.error()));
}

std::string_view multipart_name(MultipartType t) {
  switch (t) {
    case MultipartType::kDesc:
      return "OFPMP_DESC";
    case MultipartType::kAggregate:
      return "OFPMP_AGGREGATE";
    case MultipartType::kTable:
      return "OFPMP_TABLE";
    case MultipartType::kGroup:
      return "OFPMP_GROUP";
    case MultipartType::kTableFeatures:
      return "OFPMP_TABLE_FEATURES";
    case MultipartType::kFlow:
      return "OFPMP_FLOW";
    case MultipartType::kPortStats:
      return "OFPMP_PORT_STATS";
    case MultipartType::kGroupDesc:
      return "OFPMP_GROUP_DESC";
    case MultipartType::kPortDesc:
      return "OFPMP_PORT_DESC";
    default:
      return "OFPMP_OTHER";
  }
}

std::string multipart_request(std::span<const uint8_t> msg, const MultipartHeader& mp) {
  std::string out(multipart_name(mp.type));
  if ((mp.flags & kMultipartMore) != 0) out += " flags=more";
  switch (mp.type) {
    case MultipartType::kPortStats:
      return out + suffix_or_malformed(decode_port_stats_request(msg), [](uint32_t p) {
               return text::cat(" port=", text::port(p));
             });
    case MultipartType::kFlow:
      return out +
             suffix_or_malformed(decode_flow_stats_request(msg), [](const FlowStatsRequest& r) {
               return text::cat(" ", format_flow_stats_request(r));
             });
    case MultipartType::kPortDesc:
      return out + suffix_or_malformed(decode_port_desc_request(msg));
    case MultipartType::kGroupDesc:
      return out + suffix_or_malformed(decode_group_desc_request(msg));
    case MultipartType::kDesc:
      return out + suffix_or_malformed(decode_desc_request(msg));
    case MultipartType::kTable:
      return out + suffix_or_malformed(decode_table_stats_request(msg));
    case MultipartType::kTableFeatures:
      return out + suffix_or_malformed(decode_table_features_request(msg));
    case MultipartType::kAggregate:
      return out +
             suffix_or_malformed(decode_aggregate_request(msg), [](const FlowStatsRequest& r) {
               return text::cat(" ", format_flow_stats_request(r));
             });
    case MultipartType::kGroup:
      return out + suffix_or_malformed(decode_group_stats_request(msg), [](uint32_t g) {
               return text::cat(" group_id=", text::group(g));
             });
    default:
      return out;
  }
}

// Decodes a reply's entries with 'decode' and prints each with 'fmt' on its own line.
template <class T, class Decode, class Fmt>
std::string entries(std::span<const uint8_t> msg, Decode decode, Fmt fmt) {
  std::vector<T> items;
  if (auto ok = decode(msg, items); !ok) return text::cat(" ", malformed(ok.error()));
  std::string out;
  for (const T& item : items) out += text::cat("\n ", fmt(item));
  return out;
}

std::string multipart_reply(std::span<const uint8_t> msg, const MultipartHeader& mp) {
  std::string out(multipart_name(mp.type));
  if ((mp.flags & kMultipartMore) != 0) out += " flags=more";
  switch (mp.type) {
    case MultipartType::kPortDesc:
      return out + entries<Port>(msg, decode_port_desc_reply, format_port);
    case MultipartType::kPortStats:
      return out + entries<PortStats>(msg, decode_port_stats_reply, format_port_stats);
    case MultipartType::kFlow:
      return out + entries<FlowStats>(msg, decode_flow_stats_reply, format_flow_stats);
    case MultipartType::kGroupDesc:
      return out + entries<GroupDesc>(msg, decode_group_desc_reply, format_group);
    case MultipartType::kTable:
      return out + entries<TableStats>(msg, decode_table_stats_reply, format_table_stats);
    case MultipartType::kGroup:
      return out + entries<GroupStats>(msg, decode_group_stats_reply, format_group_stats);
    case MultipartType::kDesc:
      return out + suffix_or_malformed(decode_desc_reply(msg),
                                       [](const Desc& d) { return indented(format_desc(d)); });
    case MultipartType::kAggregate:
      return out + suffix_or_malformed(decode_aggregate_reply(msg), [](const AggregateStats& a) {
               return indented(format_aggregate(a));
             });
    default:
      return out;
  }
}

std::string bundle(std::span<const uint8_t> msg) {
  auto type = decode_onf_type(msg);
  if (!type) return malformed(type.error());
  switch (*type) {
    case OnfMsgType::kBundleControl:
      return or_malformed(decode_bundle_ctrl(msg), format_bundle_ctrl);
    case OnfMsgType::kBundleAddMessage: {
      BundleAdd add;
      auto inner = decode_bundle_add(msg, add);
      return inner ? format_bundle_add(add, *inner) : malformed(inner.error());
    }
  }
  return malformed(OfError{ErrorType::kBadRequest, bad_request::kBadExpType, 0});
}

std::string experimenter(std::span<const uint8_t> msg) {
  auto header = decode_experimenter_header(msg);
  if (header && header->experimenter == kOnfExperimenter) return bundle(msg);
  auto type = decode_sluice_type(msg);
  if (!type) return malformed(type.error());
  switch (*type) {
    case SluiceMsgType::kPortAdd:
      return or_malformed(decode_port_add(msg), format_port_add);
    case SluiceMsgType::kPortDel:
      return or_malformed(decode_port_del(msg), format_port_del);
    case SluiceMsgType::kPortSet:
      return or_malformed(decode_port_set(msg), format_port_set);
    case SluiceMsgType::kSwitchConfig:
      return or_malformed(decode_switch_config(msg), format_switch_config);
  }
  return malformed(OfError{ErrorType::kBadRequest, bad_request::kBadExpType, 0});
}

std::string features_reply(const FeaturesReply& f) {
  return text::fmt("dpid:0x%016llx n_tables:%u n_buffers:%u auxiliary_id:%u capabilities:0x%x",
                   static_cast<unsigned long long>(f.datapath_id), f.n_tables, f.n_buffers,
                   f.auxiliary_id, f.capabilities);
}

std::string port_status(const PortStatus& ps) {
  static constexpr std::string_view kReasons[] = {"ADD", "DELETE", "MODIFY"};
  return text::cat(kReasons[static_cast<size_t>(ps.reason)], ": ", format_port(ps.desc));
}

// The body after "OFPT_X (xid=..)"; empty for bodiless messages.
std::string body(std::span<const uint8_t> msg, MsgType type) {
  switch (type) {
    case MsgType::kHello:
      return or_malformed(decode_hello(msg));
    case MsgType::kError:
      return or_malformed(decode_error(msg), format_error);
    case MsgType::kEchoRequest:
    case MsgType::kEchoReply:
      return or_malformed(decode_echo(msg), [](std::span<const uint8_t> p) {
        return std::to_string(p.size()) + " bytes of payload";
      });
    case MsgType::kFeaturesRequest:
    case MsgType::kGetConfigRequest:
    case MsgType::kBarrierRequest:
    case MsgType::kBarrierReply:
    case MsgType::kGetAsyncRequest:
      return or_malformed(decode_empty(msg, type));
    case MsgType::kGetAsyncReply:
      return or_malformed(decode_get_async_reply(msg), format_async);
    case MsgType::kSetAsync:
      return or_malformed(decode_set_async(msg), format_async);
    case MsgType::kRoleRequest:
      return or_malformed(decode_role_request(msg), format_role);
    case MsgType::kRoleReply:
      return or_malformed(decode_role_reply(msg), format_role);
    case MsgType::kGetConfigReply:
      return or_malformed(decode_get_config_reply(msg), format_of_switch_config);
    case MsgType::kSetConfig:
      return or_malformed(decode_set_config(msg), format_of_switch_config);
    case MsgType::kFlowRemoved:
      return or_malformed(decode_flow_removed(msg), format_flow_removed);
    case MsgType::kPacketIn: {
      PacketIn pi;
      auto data = decode_packet_in(msg, pi);
      return data ? format_packet_in(pi, data->size()) : malformed(data.error());
    }
    case MsgType::kPacketOut: {
      PacketOut po;
      auto data = decode_packet_out(msg, po);
      return data ? format_packet_out(po, data->size()) : malformed(data.error());
    }
    case MsgType::kFeaturesReply:
      return or_malformed(decode_features_reply(msg), features_reply);
    case MsgType::kFlowMod: {
      auto fm = std::make_unique<FlowMod>();
      auto ok = decode_flow_mod(msg, *fm);
      return ok ? format_flow_mod(*fm) : malformed(ok.error());
    }
    case MsgType::kGroupMod: {
      auto gm = std::make_unique<GroupMod>();
      auto ok = decode_group_mod(msg, *gm);
      return ok ? format_group_mod(*gm) : malformed(ok.error());
    }
    case MsgType::kPortStatus:
      return or_malformed(decode_port_status(msg), port_status);
    case MsgType::kMultipartRequest:
      return or_malformed(decode_multipart_header(msg),
                          [&](const MultipartHeader& mp) { return multipart_request(msg, mp); });
    case MsgType::kMultipartReply:
      return or_malformed(decode_multipart_header(msg),
                          [&](const MultipartHeader& mp) { return multipart_reply(msg, mp); });
    case MsgType::kExperimenter:
      return experimenter(msg);
    default:
      return text::cat("(not decoded, ", std::to_string(msg.size()), " bytes)");
  }
}

}  // namespace

std::string_view msg_type_name(MsgType type) {
  const auto t = static_cast<size_t>(type);
  return t < std::size(kTypeNames) ? kTypeNames[t] : "OFPT_UNKNOWN";
}

std::string format_message(std::span<const uint8_t> msg) {
  auto header = decode_header(msg);
  if (!header) {
    if (msg.size() >= kHeaderSize && msg[0] == kVersion) {
      const uint32_t xid =
          (uint32_t{msg[4]} << 24) | (uint32_t{msg[5]} << 16) | (uint32_t{msg[6]} << 8) | msg[7];
      return text::fmt("%s (xid=0x%x): ",
                       std::string(msg_type_name(static_cast<MsgType>(msg[1]))).c_str(), xid) +
             malformed(header.error());
    }
    return malformed(header.error());
  }
  std::string out =
      text::fmt("%s (xid=0x%x)", std::string(msg_type_name(header->type)).c_str(), header->xid);
  const std::string b = body(msg, header->type);
  if (!b.empty()) {
    if (b.front() != '\n') out += ": ";
    out += b;
  }
  return out;
}

}  // namespace sluice::of
