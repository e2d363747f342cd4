// format_match: a Match in ovs-ofctl's notation (OpenFlow 1.3 dump-flows).
//
// Order and names follow ovs-ofctl: the connection-tracking fields first (ct_state as +flag/-flag
// for each mask bit, lowest first, or flags joined by '|' when the mask is all 8 bits; ct_zone in
// decimal; ct_mark in hex, "value/mask" when masked), then a protocol shorthand when eth_type (and ip_proto)
// allow one ("ip", "tcp", "udp", "icmp", "arp", "ipv6", "tcp6", "udp6", "icmp6"), then
// tun_id, metadata, in_port, the VLAN, dl_src, dl_dst, dl_type (when no shorthand), nw_src,
// nw_dst, arp_spa, arp_tpa, nw_proto (when no shorthand), arp_op, arp_sha,
// icmp_type/icmp_code, tp_src/tp_dst. Masks print as "value/mask", IPv4 masks as a prefix
// length when they are one. VLAN:
//   exact 0x1000|V      dl_vlan=V
//   exact 0x0000        vlan_tci=0x0000/0x1fff     (no tag)
//   anything masked     vlan_tci=0xVVVV/0xMMMM
// An empty match prints as "".
#include <array>

#include "openflow/format.h"
#include "openflow/format_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

// The shorthand for eth_type [+ ip_proto], and whether it covers ip_proto.
struct Shorthand {
  std::string_view name;
  bool covers_proto = false;
};

Shorthand shorthand(const Match& m) {
  if (!m.has(Field::kEthType)) return {};
  const bool proto = m.has(Field::kIpProto);
  if (m.eth_type == kEthTypeIpv4) {
    if (proto && m.ip_proto == kIpProtoTcp) return {"tcp", true};
    if (proto && m.ip_proto == kIpProtoUdp) return {"udp", true};
    if (proto && m.ip_proto == kIpProtoIcmp) return {"icmp", true};
    return {"ip", false};
  }
  if (m.eth_type == kEthTypeIpv6) {
    if (proto && m.ip_proto == kIpProtoTcp) return {"tcp6", true};
    if (proto && m.ip_proto == kIpProtoUdp) return {"udp6", true};
    if (proto && m.ip_proto == 58) return {"icmp6", true};
    return {"ipv6", false};
  }
  if (m.eth_type == kEthTypeArp) return {"arp", false};
  return {};
}

bool shows_mask(const Match& m, Field f) {
  return m.has_mask(f) && match_mask(m, f) != field_exact_mask(f);
}

std::string hex_field(const Match& m, Field f, std::string_view name) {
  std::string s = text::cat(name, "=", text::hex(match_value(m, f)));
  if (shows_mask(m, f)) s += text::cat("/", text::hex(match_mask(m, f)));
  return s;
}

// A TCP/UDP port: decimal when exact, hex value/mask when masked (as ovs-ofctl prints them).
std::string port_field(const Match& m, Field f, std::string_view name) {
  if (!shows_mask(m, f)) return text::cat(name, "=", std::to_string(match_value(m, f)));
  return hex_field(m, f, name);
}

std::string mac_field(const Match& m, Field f, std::string_view name) {
  std::string s = text::cat(name, "=", text::mac(u64_to_mac(match_value(m, f))));
  if (shows_mask(m, f)) s += text::cat("/", text::mac(u64_to_mac(match_mask(m, f))));
  return s;
}

std::string ip_field(const Match& m, Field f, std::string_view name) {
  const uint32_t mask = static_cast<uint32_t>(match_mask(m, f));
  std::string s = text::cat(name, "=", text::ipv4(static_cast<uint32_t>(match_value(m, f))));
  if (shows_mask(m, f)) {
    const int prefix = text::prefix_len(mask);
    s += text::cat("/", prefix >= 0 ? std::to_string(prefix) : text::ipv4(mask));
  }
  return s;
}

std::string vlan_field(const Match& m) {
  if (!shows_mask(m, Field::kVlanVid)) {
    if (m.vlan_vid == kVidNone) return "vlan_tci=0x0000/0x1fff";
    return text::cat("dl_vlan=", std::to_string(m.vlan_vid & 0x0fff));
  }
  return text::fmt("vlan_tci=0x%04x/0x%04x", m.vlan_vid, m.vlan_vid_mask);
}

constexpr std::array<std::string_view, 8> kCtStateNames = {"new", "est", "rel", "rpl",
                                                           "inv", "trk", "snat", "dnat"};

std::string ct_state_field(const Match& m) {
  std::string s = "ct_state=";
  if (m.ct_state_mask == 0xff) {
    std::string flags;
    for (unsigned b = 0; b < 8; ++b) {
      if ((m.ct_state >> b & 1) == 0) continue;
      if (!flags.empty()) flags += '|';
      flags += kCtStateNames[b];
    }
    return s + (flags.empty() ? "0" : flags);
  }
  for (unsigned b = 0; b < 8; ++b) {
    if ((m.ct_state_mask >> b & 1) == 0) continue;
    s += (m.ct_state >> b & 1) != 0 ? '+' : '-';
    s += kCtStateNames[b];
  }
  return s;
}

std::string ct_mark_field(const Match& m) {
  std::string s = text::cat("ct_mark=", text::fmt("%#x", m.ct_mark));
  if (shows_mask(m, Field::kCtMark)) s += text::cat("/", text::fmt("%#x", m.ct_mark_mask));
  return s;
}

}  // namespace

std::string format_match(const Match& m) {
  std::string out;
  if (m.has(Field::kCtState)) text::join(out, ct_state_field(m));
  if (m.has(Field::kCtZone)) text::join(out, text::cat("ct_zone=", std::to_string(m.ct_zone)));
  if (m.has(Field::kCtMark)) text::join(out, ct_mark_field(m));
  const Shorthand sh = shorthand(m);
  text::join(out, sh.name);
  if (m.has(Field::kTunnelId)) text::join(out, hex_field(m, Field::kTunnelId, "tun_id"));
  if (m.has(Field::kMetadata)) text::join(out, hex_field(m, Field::kMetadata, "metadata"));
  if (m.has(Field::kInPort)) text::join(out, text::cat("in_port=", text::port(m.in_port)));
  if (m.has(Field::kVlanVid)) text::join(out, vlan_field(m));
  if (m.has(Field::kEthSrc)) text::join(out, mac_field(m, Field::kEthSrc, "dl_src"));
  if (m.has(Field::kEthDst)) text::join(out, mac_field(m, Field::kEthDst, "dl_dst"));
  if (m.has(Field::kEthType) && sh.name.empty()) {
    text::join(out, text::fmt("dl_type=0x%04x", m.eth_type));
  }
  if (m.has(Field::kIpv4Src)) text::join(out, ip_field(m, Field::kIpv4Src, "nw_src"));
  if (m.has(Field::kIpv4Dst)) text::join(out, ip_field(m, Field::kIpv4Dst, "nw_dst"));
  if (m.has(Field::kArpSpa)) text::join(out, ip_field(m, Field::kArpSpa, "arp_spa"));
  if (m.has(Field::kArpTpa)) text::join(out, ip_field(m, Field::kArpTpa, "arp_tpa"));
  if (m.has(Field::kIpProto) && !sh.covers_proto) {
    text::join(out, text::cat("nw_proto=", std::to_string(m.ip_proto)));
  }
  if (m.has(Field::kArpOp)) text::join(out, text::cat("arp_op=", std::to_string(m.arp_op)));
  if (m.has(Field::kArpSha)) text::join(out, mac_field(m, Field::kArpSha, "arp_sha"));
  if (m.has(Field::kIcmpv4Type))
    text::join(out, text::cat("icmp_type=", std::to_string(m.icmpv4_type)));
  if (m.has(Field::kIcmpv4Code))
    text::join(out, text::cat("icmp_code=", std::to_string(m.icmpv4_code)));
  if (m.has(Field::kTcpSrc)) text::join(out, port_field(m, Field::kTcpSrc, "tp_src"));
  if (m.has(Field::kTcpDst)) text::join(out, port_field(m, Field::kTcpDst, "tp_dst"));
  if (m.has(Field::kUdpSrc)) text::join(out, port_field(m, Field::kUdpSrc, "tp_src"));
  if (m.has(Field::kUdpDst)) text::join(out, port_field(m, Field::kUdpDst, "tp_dst"));
  return out;
}

}  // namespace sluice::of
