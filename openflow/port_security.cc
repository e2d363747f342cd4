#include "openflow/port_security.h"

#include "openflow/oxm.h"

namespace sluice::of::port_security {
namespace {

constexpr uint16_t kEthTypeArp = 0x0806;

FlowMod flow(uint64_t cookie, uint16_t priority, uint32_t port) {
  FlowMod fm;
  fm.cookie = cookie;
  fm.table_id = kTable;
  fm.command = FlowModCommand::kAdd;
  fm.priority = priority;
  match_exact(fm.match, Field::kInPort, port);
  return fm;
}

FlowMod from_mac(uint64_t cookie, uint16_t priority, uint32_t port, uint64_t mac) {
  FlowMod fm = flow(cookie, priority, port);
  match_exact(fm.match, Field::kEthSrc, mac);
  return fm;
}

FlowMod& go_on(FlowMod& fm, uint8_t table) {
  fm.instructions.present |= instr::kGotoTable;
  fm.instructions.goto_table = table;
  return fm;
}

}  // namespace

bool well_formed(const Prefix& prefix) noexcept {
  return prefix.len <= 32 && (prefix.addr & ~prefix.mask()) == 0;
}

std::vector<FlowMod> port_flows(const PortRule& rule, uint64_t cookie) {
  std::vector<FlowMod> out;
  const uint32_t p = rule.port;
  const uint8_t next = rule.next_table;
  for (const uint64_t mac : rule.macs) {
    for (const Prefix& a : rule.prefixes) {
      FlowMod ip = from_mac(cookie, kAllowPriority, p, mac);
      match_exact(ip.match, Field::kEthType, kEthTypeIpv4);
      match_set(ip.match, Field::kIpv4Src, a.addr, a.mask(), a.len < 32);
      out.push_back(go_on(ip, next));
      FlowMod arp = from_mac(cookie, kAllowPriority, p, mac);
      match_exact(arp.match, Field::kEthType, kEthTypeArp);
      match_set(arp.match, Field::kArpSpa, a.addr, a.mask(), a.len < 32);
      match_exact(arp.match, Field::kArpSha, mac);
      out.push_back(go_on(arp, next));
    }
    FlowMod probe = from_mac(cookie, kUnspecifiedPriority, p, mac);
    match_exact(probe.match, Field::kEthType, kEthTypeArp);
    match_exact(probe.match, Field::kArpSpa, 0);
    match_exact(probe.match, Field::kArpSha, mac);
    out.push_back(go_on(probe, next));
    FlowMod dhcp = from_mac(cookie, kUnspecifiedPriority, p, mac);
    match_exact(dhcp.match, Field::kEthType, kEthTypeIpv4);
    match_exact(dhcp.match, Field::kIpProto, kIpProtoUdp);
    match_exact(dhcp.match, Field::kIpv4Src, 0);
    match_exact(dhcp.match, Field::kUdpSrc, 68);
    match_exact(dhcp.match, Field::kUdpDst, 67);
    out.push_back(go_on(dhcp, next));
    for (const uint16_t type : {kEthTypeIpv4, kEthTypeArp, kEthTypeIpv6}) {
      FlowMod drop = from_mac(cookie, kDropPriority, p, mac);
      match_exact(drop.match, Field::kEthType, type);
      out.push_back(drop);
    }
    FlowMod other = from_mac(cookie, kOtherPriority, p, mac);
    out.push_back(go_on(other, next));
  }
  FlowMod last = flow(cookie, kPortPriority, p);
  if (rule.pass) go_on(last, next);
  out.push_back(last);
  return out;
}

}  // namespace sluice::of::port_security
