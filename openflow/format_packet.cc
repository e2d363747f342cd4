// FLOW_REMOVED, PACKET_IN, PACKET_OUT and the switch configuration as text, after ovs-ofctl's
// OpenFlow 1.3 output (see format.h for each form).
#include "openflow/format.h"
#include "openflow/format_util.h"

namespace sluice::of {
namespace {

inline constexpr uint64_t kNoCookie = ~uint64_t{0};

std::string_view removed_reason_name(FlowRemovedReason r) {
  switch (r) {
    case FlowRemovedReason::kIdleTimeout:
      return "idle";
    case FlowRemovedReason::kHardTimeout:
      return "hard";
    case FlowRemovedReason::kDelete:
      return "delete";
    case FlowRemovedReason::kGroupDelete:
      return "group_delete";
  }
  return "unknown";
}

std::string_view packet_in_reason_name(PacketInReason r) {
  switch (r) {
    case PacketInReason::kNoMatch:
      return "no_match";
    case PacketInReason::kAction:
      return "action";
    case PacketInReason::kInvalidTtl:
      return "invalid_ttl";
  }
  return "unknown";
}

std::string_view frag_name(uint16_t flags) {
  switch (flags & config_flags::kFragMask) {
    case config_flags::kFragNormal:
      return "normal";
    case config_flags::kFragDrop:
      return "drop";
    case config_flags::kFragReasm:
      return "reassemble";
    default:
      return "invalid";
  }
}

}  // namespace

std::string format_flow_removed(const FlowRemoved& fr) {
  std::string out = text::cat("priority=", std::to_string(fr.priority));
  text::join(out, format_match(fr.match));
  out += text::cat(" reason=", removed_reason_name(fr.reason),
                   " table_id=", std::to_string(fr.table_id));
  if (fr.cookie != 0) out += text::cat(" cookie:", text::hex(fr.cookie));
  out += text::cat(" duration", text::duration(fr.duration_sec, fr.duration_nsec), " idle",
                   std::to_string(fr.idle_timeout));
  if (fr.hard_timeout != 0) out += text::cat(" hard", std::to_string(fr.hard_timeout));
  return out + text::cat(" pkts", std::to_string(fr.packet_count), " bytes",
                         std::to_string(fr.byte_count));
}

std::string format_packet_in(const PacketIn& pi, size_t data_len) {
  std::string out;
  if (pi.table_id != 0) text::join(out, text::cat("table_id=", std::to_string(pi.table_id)), " ");
  if (pi.cookie != kNoCookie) text::join(out, text::cat("cookie=", text::hex(pi.cookie)), " ");
  text::join(out, text::cat("total_len=", std::to_string(pi.total_len)), " ");
  text::join(out, format_match(pi.match), " ");
  out += text::cat(" (via ", packet_in_reason_name(pi.reason),
                   ") data_len=", std::to_string(data_len));
  if (pi.buffer_id == kNoBuffer) return out + " (unbuffered)";
  return out + text::fmt(" buffer=0x%08x", pi.buffer_id);
}

std::string format_packet_out(const PacketOut& po, size_t data_len) {
  std::string out =
      text::cat("in_port=", text::port(po.in_port), " actions=", format_actions(po.actions));
  if (po.buffer_id != kNoBuffer) return out + text::fmt(" buffer=0x%08x", po.buffer_id);
  return out + text::cat(" data_len=", std::to_string(data_len));
}

std::string format_of_switch_config(const OfSwitchConfig& c) {
  std::string out = text::cat("frags=", frag_name(c.flags));
  if ((c.flags & ~config_flags::kFragMask) != 0) {
    out += text::cat(" flags=", text::hex(c.flags & ~config_flags::kFragMask));
  }
  const std::string len = c.miss_send_len == kControllerNoBuffer ? std::string("NO_BUFFER")
                                                                 : std::to_string(c.miss_send_len);
  return out + text::cat(" miss_send_len=", len);
}

}  // namespace sluice::of
