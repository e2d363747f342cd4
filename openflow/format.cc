// Flow mods, flow stats, groups and ports as text (ovs-ofctl's notation where it has one).
//
// format_flow_mod:  COMMAND table:T [priority=P,]<match> [cookie:0xC[/0xM]] [idle:N] [hard:N]
//                   [buf:0xB] [out_port:P] [out_group:G] [flags...] actions=...
//   COMMAND is ADD, MODIFY, MODIFY_STRICT, DELETE or DELETE_STRICT; table:all for 0xff;
//   priority is left out when it is the default 32768 (as ovs-ofctl does), cookie when both
//   cookie and mask are 0, the rest when they hold their default values.
// format_flow_stats: ovs-ofctl dump-flows' line (see format.h).
// format_group:      ovs-ofctl dump-groups' entry; types all, select, indirect, ff; a bucket
//                    shows weight (select groups), watch_port / watch_group (when set).
#include "openflow/format.h"

#include "openflow/format_util.h"

namespace sluice::of {
namespace {

inline constexpr uint16_t kDefaultPriority = 0x8000;

std::string_view command_name(FlowModCommand c) {
  switch (c) {
    case FlowModCommand::kAdd:
      return "ADD";
    case FlowModCommand::kModify:
      return "MODIFY";
    case FlowModCommand::kModifyStrict:
      return "MODIFY_STRICT";
    case FlowModCommand::kDelete:
      return "DELETE";
    case FlowModCommand::kDeleteStrict:
      return "DELETE_STRICT";
  }
  return "UNKNOWN_COMMAND";
}

std::string_view group_type_name(GroupType t) {
  switch (t) {
    case GroupType::kAll:
      return "all";
    case GroupType::kSelect:
      return "select";
    case GroupType::kIndirect:
      return "indirect";
    case GroupType::kFastFailover:
      return "ff";
  }
  return "unknown";
}

std::string flag_names(uint16_t flags, std::string_view sep) {
  static constexpr std::string_view kNames[] = {"send_flow_rem", "check_overlap", "reset_counts",
                                                "no_packet_counts", "no_byte_counts"};
  std::string out;
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if ((flags & (1u << i)) != 0) text::join(out, kNames[i], sep);
  }
  return out;
}

// "priority=P,<match>" with the default priority left out.
std::string priority_and_match(uint16_t priority, const Match& m) {
  std::string out;
  if (priority != kDefaultPriority) out = text::cat("priority=", std::to_string(priority));
  text::join(out, format_match(m));
  return out;
}

std::string table_text(uint8_t table_id) {
  return table_id == kTableAll ? "all" : std::to_string(table_id);
}

std::string bits_text(uint32_t bits, std::span<const std::string_view> names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if ((bits & (1u << i)) != 0 && !names[i].empty()) {
      text::join(out, names[i]);
      bits &= ~(1u << i);
    }
  }
  if (bits != 0) text::join(out, text::hex(bits));
  return out.empty() ? "0" : out;
}

}  // namespace

std::string format_flow_mod(const FlowMod& fm) {
  std::string out = text::cat(command_name(fm.command), " table:", table_text(fm.table_id));
  text::join(out, priority_and_match(fm.priority, fm.match), " ");
  if (fm.cookie != 0 || fm.cookie_mask != 0) {
    out += text::cat(" cookie:", text::hex(fm.cookie));
    if (fm.cookie_mask != 0) out += text::cat("/", text::hex(fm.cookie_mask));
  }
  if (fm.idle_timeout != 0) out += text::cat(" idle:", std::to_string(fm.idle_timeout));
  if (fm.hard_timeout != 0) out += text::cat(" hard:", std::to_string(fm.hard_timeout));
  if (fm.buffer_id != kNoBuffer) out += text::cat(" buf:", text::hex(fm.buffer_id));
  if (fm.out_port != port_no::kAny) out += text::cat(" out_port:", text::port(fm.out_port));
  if (fm.out_group != group_id::kAny) out += text::cat(" out_group:", std::to_string(fm.out_group));
  text::join(out, flag_names(fm.flags, " "), " ");
  return text::cat(out, " actions=", format_instructions(fm.instructions));
}

std::string format_group(const GroupDesc& g) {
  std::string out =
      text::cat("group_id=", std::to_string(g.group_id), ",type=", group_type_name(g.type));
  for (const Bucket& b : g.view()) {
    out += ",bucket=";
    if (g.type == GroupType::kSelect) out += text::cat("weight:", std::to_string(b.weight), ",");
    if (b.watch_port != port_no::kAny)
      out += text::cat("watch_port:", text::port(b.watch_port), ",");
    if (b.watch_group != group_id::kAny) {
      out += text::cat("watch_group:", std::to_string(b.watch_group), ",");
    }
    out += text::cat("actions=", format_actions(b.actions));
  }
  return out;
}

std::string format_group_mod(const GroupMod& gm) {
  static constexpr std::string_view kCommands[] = {"ADD", "MODIFY", "DELETE"};
  const auto c = static_cast<size_t>(gm.command);
  const std::string name = c < std::size(kCommands) ? std::string(kCommands[c])
                                                    : text::cat("COMMAND_", std::to_string(c));
  return text::cat(name, " ", format_group(gm.group));
}

std::string format_flow_stats(const FlowStats& fs) {
  std::string out = text::cat("cookie=", text::hex(fs.cookie),
                              ", duration=", text::duration(fs.duration_sec, fs.duration_nsec),
                              ", table=", std::to_string(fs.table_id),
                              ", n_packets=", std::to_string(fs.packet_count),
                              ", n_bytes=", std::to_string(fs.byte_count), ", ");
  if (fs.idle_timeout != 0)
    out += text::cat("idle_timeout=", std::to_string(fs.idle_timeout), ", ");
  if (fs.hard_timeout != 0)
    out += text::cat("hard_timeout=", std::to_string(fs.hard_timeout), ", ");
  if (fs.flags != 0) out += flag_names(fs.flags, ", ") + ", ";
  const std::string match = priority_and_match(fs.priority, fs.match);
  if (!match.empty()) out += match + " ";
  return text::cat(out, "actions=", format_instructions(fs.instructions));
}

std::string format_flow_stats_request(const FlowStatsRequest& req) {
  std::string out = text::cat("table:", table_text(req.table_id));
  if (req.out_port != port_no::kAny) out += text::cat(" out_port:", text::port(req.out_port));
  if (req.out_group != group_id::kAny)
    out += text::cat(" out_group:", std::to_string(req.out_group));
  if (req.cookie != 0 || req.cookie_mask != 0) {
    out += text::cat(" cookie:", text::hex(req.cookie), "/", text::hex(req.cookie_mask));
  }
  text::join(out, format_match(req.match), " ");
  return out;
}

std::string format_port(const Port& p) {
  static constexpr std::string_view kConfig[] = {"PORT_DOWN", "",       "NO_RECV",     "",
                                                 "",          "NO_FWD", "NO_PACKET_IN"};
  static constexpr std::string_view kState[] = {"LINK_DOWN", "BLOCKED", "LIVE"};
  return text::fmt("%s(%s): addr:%s config:%s state:%s speed:%u Mbps now, %u Mbps max",
                   text::port(p.port_no).c_str(), text::printable(p.name.view()).c_str(),
                   text::mac(p.hw_addr).c_str(), bits_text(p.config, kConfig).c_str(),
                   bits_text(p.state, kState).c_str(), p.curr_speed / 1000, p.max_speed / 1000);
}

std::string format_port_stats(const PortStats& s) {
  auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  return text::fmt(
      "port %s: rx pkts=%llu bytes=%llu drop=%llu errs=%llu frame=%llu over=%llu crc=%llu "
      "tx pkts=%llu bytes=%llu drop=%llu errs=%llu coll=%llu duration=%s",
      text::port(s.port_no).c_str(), n(s.rx_packets), n(s.rx_bytes), n(s.rx_dropped),
      n(s.rx_errors), n(s.rx_frame_err), n(s.rx_over_err), n(s.rx_crc_err), n(s.tx_packets),
      n(s.tx_bytes), n(s.tx_dropped), n(s.tx_errors), n(s.collisions),
      text::duration(s.duration_sec, s.duration_nsec).c_str());
}

}  // namespace sluice::of
