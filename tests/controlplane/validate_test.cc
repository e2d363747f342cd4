#include "controlplane/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A policy skeleton: two networks and a port, with one spot to vary.
std::string with_ports(const std::string& ports) {
  return "version: 1\nnetworks:\n  - {name: web, vlan: 100}\n  - {name: db, vlan: 200}\nports:\n" +
         ports;
}

struct Case {
  const char* name;
  std::string yaml;
  const char* expect;  // substring of the one expected error line
};

class ValidateCase : public ::testing::TestWithParam<Case> {};

TEST_P(ValidateCase, ReportsExactlyOneError) {
  auto errors = errors_of(GetParam().yaml);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr(GetParam().expect));
}

const Case kCases[] = {
    {"switch_name", "version: 1\nswitch: {name: 'a b'}\n",
     ":2:16: switch.name: 'a b' contains ' '"},
    {"mac_aging_low", "version: 1\nswitch: {mac_aging_seconds: 9}\n",
     "switch.mac_aging_seconds: 9 is out of range 10..1000000"},
    {"mac_limit_high", "version: 1\nswitch: {mac_limit_per_port: 1000001}\n",
     "switch.mac_limit_per_port: 1000001 is out of range 0..1000000"},
    {"vlan_zero", "version: 1\nnetworks: [{name: a, vlan: 0}]\n",
     "networks[0].vlan: 0 is out of range 1..4094"},
    {"vlan_4095", "version: 1\nnetworks: [{name: a, vlan: 4095}]\n",
     "4095 is out of range 1..4094"},
    {"network_without_vlan", "version: 1\nnetworks:\n  - name: a\n",
     ":3:5: networks[0].vlan: is required"},
    {"network_name_long",
     "version: 1\nnetworks: [{name: abcdefghijabcdefghijabcdefghijabc, vlan: 1}]\n",
     "has 33 characters"},
    {"duplicate_network_name", "version: 1\nnetworks: [{name: a, vlan: 1}, {name: a, vlan: 2}]\n",
     "networks[1].name: name 'a' is already used by networks[0] (line 2)"},
    {"port_without_type", with_ports("  - {name: p}\n"), ":6:5: ports[0].type: is required"},
    {"port_without_name", with_ports("  - {type: \"null\"}\n"), "ports[0].name: is required"},
    {"port_id_zero", with_ports("  - {name: p, id: 0, type: \"null\"}\n"),
     "ports[0].id: 0 is out of range 1..65279"},
    {"port_id_reserved", with_ports("  - {name: p, id: 65280, type: \"null\"}\n"),
     "65280 is out of range 1..65279"},
    {"mtu_low", with_ports("  - {name: p, type: \"null\", mtu: 67}\n"),
     "ports[0].mtu: 67 is out of range 68..9600"},
    {"port_mac_limit", with_ports("  - {name: p, type: \"null\", mac_limit: -1}\n"),
     "-1 is out of range 0..1000000"},
    {"admin_bad", with_ports("  - {name: p, type: \"null\", admin: off}\n"),
     "expected one of up | down, got 'off'"},
    {"port_name_slash", with_ports("  - {name: a/b, type: \"null\"}\n"),
     "ports[0].name: 'a/b' contains '/'"},
    {"iface_on_null", with_ports("  - {name: p, type: \"null\", iface: x}\n"),
     "ports[0].iface: is not allowed for type null (allowed: none)"},
    {"mode_on_tap", with_ports("  - {name: p, type: tap, iface: t, mode: client}\n"),
     "ports[0].mode: is not allowed for type tap"},
    {"ring_on_dpdk", with_ports("  - {name: p, type: dpdk, devargs: x, ring: r}\n"),
     "ports[0].ring: is not allowed"},
    {"vhost_mode_bad", with_ports("  - {name: p, type: vhost-user, path: /a, mode: both}\n"),
     "expected one of server | client, got 'both'"},
    {"pcap_mixed", with_ports("  - {name: p, type: pcap, iface: x, rx_pcap: /a}\n"),
     "ports[0].iface: cannot be combined with rx_pcap/tx_pcap"},
    {"pcap_comma", with_ports("  - {name: p, type: pcap, rx_pcap: '/a,b'}\n"),
     "must not contain ','"},
    {"options_bad", with_ports("  - {name: p, type: \"null\", options: 'novalue'}\n"),
     "ports[0].options: 'novalue' is not of the form key=value"},
    // What the dataplane's PORT_ADD checks refuse (openflow/port_rules.h) is refused here too.
    {"option_sluice_sets", with_ports("  - {name: p, type: af_packet, iface: t, options: 'queues=2'}\n"),
     "6:51: ports[0].options: key 'queues' is not allowed for this port type (allowed: qdisc_bypass, "
     "blocksz, framesz, framecnt, fanout_mode; set by Sluice: iface, qpairs)"},
    {"option_unknown_for_type", with_ports("  - {name: p, type: tap, iface: t, options: 'mac=fixed,x=1'}\n"),
     "6:45: ports[0].options: key 'x' is not allowed for this port type (allowed: mac; set by "
     "Sluice: iface)"},
    {"dpdk_virtual_device", with_ports("  - {name: p, type: dpdk, devargs: 'net_pcap0'}\n"),
     "6:36: ports[0].devargs: dpdk device 'net_pcap0' is not a PCI address"},
    {"iface_too_long", with_ports("  - {name: p, type: tap, iface: abcdefghijklmnop}\n"),
     "ports[0].iface:"},
    {"vlan_without_mode", with_ports("  - {name: p, type: tap, iface: t, vlan: {id: 100}}\n"),
     "ports[0].vlan.mode: is required"},
    {"access_without_id", with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: access}}\n"),
     "ports[0].vlan.id: is required"},
    {"access_unknown_vlan",
     with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: access, id: 300}}\n"),
     "ports[0].vlan.id: vlan 300 is not a network's vlan (networks have: 100, 200)"},
    {"access_with_native",
     with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: access, id: 100, native: 100}}\n"),
     "ports[0].vlan.native: is only for mode trunk"},
    {"trunk_with_id",
     with_ports(
         "  - {name: p, type: tap, iface: t, vlan: {mode: trunk, id: 100, allowed: [100]}}\n"),
     "ports[0].vlan.id: is only for mode access"},
    {"trunk_empty_allowed",
     with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: trunk, allowed: []}}\n"),
     "ports[0].vlan.allowed: a trunk needs at least one allowed vlan"},
    {"trunk_unknown_allowed",
     with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: trunk, allowed: [100, 300]}}\n"),
     "ports[0].vlan.allowed[1]: vlan 300 is not a network's vlan"},
    {"trunk_duplicate_allowed",
     with_ports(
         "  - {name: p, type: tap, iface: t, vlan: {mode: trunk, allowed: [100, 200, 100]}}\n"),
     "ports[0].vlan.allowed[2]: vlan 100 is already used by an earlier allowed entry"},
    {"trunk_unknown_native",
     with_ports(
         "  - {name: p, type: tap, iface: t, vlan: {mode: trunk, allowed: [100], native: 7}}\n"),
     "ports[0].vlan.native: vlan 7 is not a network's vlan"},
    {"trunk_range_reversed",
     with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: trunk, allowed: ['200-100']}}\n"),
     "ports[0].vlan.allowed[0]: range 200-100 is empty"},
    {"trunk_range_junk",
     with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: trunk, allowed: [ten]}}\n"),
     "expected a VLAN number or a range like \"300-310\", got 'ten'"},
    {"zero_mac",
     "version: 1\nnetworks: [{name: a, vlan: 1, static_macs: [{mac: '00:00:00:00:00:00', port: "
     "p}]}]\n"
     "ports: [{name: p, type: \"null\", vlan: {mode: access, id: 1}}]\n",
     "00:00:00:00:00:00 is not a usable MAC address"},
    {"security_without_macs",
     with_ports("  - {name: p, type: \"null\", security: {ips: [10.0.0.1]}}\n"),
     ":6:39: ports[0].security.macs: needs at least one MAC"},
    {"security_multicast_mac",
     with_ports("  - {name: p, type: \"null\", security: {macs: ['01:00:5e:00:00:01']}}\n"),
     "ports[0].security.macs[0]: 01:00:5e:00:00:01"},
    {"security_bad_ip",
     with_ports("  - {name: p, type: \"null\", security: {macs: ['02:00:00:00:00:01'], ips: [10.0.0.300]}}\n"),
     "ports[0].security.ips[0]: '10.0.0.300' is not an IPv4 address or prefix"},
    {"security_host_bits",
     with_ports("  - {name: p, type: \"null\", security: {macs: ['02:00:00:00:00:01'], ips: [10.0.0.1/24]}}\n"),
     "has address bits past its length (did you mean 10.0.0.0/24?)"},
    {"security_ipv6",
     with_ports("  - {name: p, type: \"null\", security: {macs: ['02:00:00:00:00:01'], ips: ['fe80::1']}}\n"),
     "'fe80::1' is IPv6, which port security cannot match yet"},
    {"security_unknown_field",
     with_ports("  - {name: p, type: \"null\", security: {macs: ['02:00:00:00:00:01'], ip: [10.0.0.1]}}\n"),
     "ports[0].security.ip"},
    {"static_mac_without_port",
     "version: 1\nnetworks: [{name: a, vlan: 1, static_macs: [{mac: '02:00:00:00:00:01'}]}]\n",
     "networks[0].static_macs[0].port: is required"},
};

INSTANTIATE_TEST_SUITE_P(Table, ValidateCase, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Validate, ReportsAllErrorsInFileOrder) {
  auto errors = errors_of(R"(version: 1
networks:
  - {name: a, vlan: 5000}
  - {name: a, vlan: 7}
ports:
  - {name: p1, type: af_packet}
  - {name: p1, type: tap, iface: t, mtu: 10, vlan: {mode: access, id: 8}}
)");
  EXPECT_THAT(
      errors,
      ElementsAre(
          HasSubstr(":3:21: networks[0].vlan: 5000 is out of range 1..4094"),
          HasSubstr(":4:12: networks[1].name: name 'a' is already used by networks[0] (line 3)"),
          HasSubstr(":6:22: ports[0].iface: is required for type af_packet"),
          HasSubstr(":7:12: ports[1].name: name 'p1' is already used by ports[0] (line 6)"),
          HasSubstr(":7:42: ports[1].mtu: 10 is out of range 68..9600"),
          HasSubstr(":7:71: ports[1].vlan.id: vlan 8 is not a network's vlan (networks have: 7)")));
}

TEST(Validate, BadFieldsAreReportedOnce) {
  // "vlan: abc" is a type error; validation must not add "vlan is required" on top.
  auto errors = errors_of("version: 1\nnetworks:\n  - name: web\n    vlan: abc\n");
  EXPECT_THAT(errors, ElementsAre(HasSubstr(":4:11: networks[0].vlan: expected an integer")));
}

TEST(Validate, NativeMayAlsoBeListedAsAllowed) {
  EXPECT_THAT(errors_of(with_ports("  - {name: p, type: tap, iface: t, vlan: {mode: trunk, "
                                   "allowed: [100, 200], native: 100}}\n")),
              IsEmpty());
}

TEST(Validate, StaticMacOnTrunkMember) {
  EXPECT_THAT(errors_of(R"(version: 1
networks:
  - {name: a, vlan: 1, static_macs: [{mac: '02:00:00:00:00:01', port: up}]}
  - {name: b, vlan: 2, static_macs: [{mac: '02:00:00:00:00:01', port: up}]}
ports:
  - {name: up, type: tap, iface: t, vlan: {mode: trunk, allowed: [2], native: 1}}
)"),
              IsEmpty());
}

}  // namespace
}  // namespace sluice::cp
