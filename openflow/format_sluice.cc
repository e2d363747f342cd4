// Sluice experimenter messages as text (port type names as in the policy YAML).
#include "openflow/format.h"
#include "openflow/format_util.h"

namespace sluice::of {
namespace {

std::string_view port_type_name(PortType t) {
  switch (t) {
    case PortType::kVhostUser:
      return "vhost-user";
    case PortType::kAfPacket:
      return "af_packet";
    case PortType::kTap:
      return "tap";
    case PortType::kPcap:
      return "pcap";
    case PortType::kNull:
      return "null";
    case PortType::kRing:
      return "ring";
    case PortType::kDpdk:
      return "dpdk";
  }
  return "unknown";
}

}  // namespace

std::string format_port_add(const PortAdd& p) {
  std::string out = text::fmt("PORT_ADD port=%u name=%s type=%s", p.port_no,
                              text::printable(p.name.view()).c_str(),
                              std::string(port_type_name(p.type)).c_str());
  if (!p.device.view().empty()) out += text::cat(" device=", text::printable(p.device.view()));
  if (!p.options.view().empty()) out += text::cat(" options=", text::printable(p.options.view()));
  out += text::cat(" mtu=", std::to_string(p.mtu));
  if ((p.flags & port_flags::kVhostClient) != 0) out += " flags=vhost_client";
  return out;
}

std::string format_port_del(const PortDel& p) { return text::fmt("PORT_DEL port=%u", p.port_no); }

std::string format_port_set(const PortSet& p) {
  return text::fmt("PORT_SET port=%u mtu=%u admin=%s mac_limit=%u", p.port_no, p.mtu,
                   p.admin_up != 0 ? "up" : "down", p.mac_limit);
}

std::string format_switch_config(const SwitchConfig& c) {
  if (c.learning_table == kNoLearningTable) {
    return text::fmt("SWITCH_CONFIG mac_aging=%us learning_table=none", c.mac_aging_seconds);
  }
  return text::fmt("SWITCH_CONFIG mac_aging=%us learning_table=%u", c.mac_aging_seconds,
                   unsigned{c.learning_table});
}

}  // namespace sluice::of
