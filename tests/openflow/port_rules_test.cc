// openflow/port_rules: a table of PORT_ADDs a hostile or careless controller could send, each
// refused with a sentence that says why, and the ordinary ones (as sluicectl compiles them from
// configs/) accepted.
#include "openflow/port_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sluice::of::port_rules {
namespace {

using ::testing::HasSubstr;

PortAdd port(PortType type, std::string_view device, std::string_view options = "",
             uint8_t flags = 0) {
  PortAdd p;
  p.port_no = 1;
  p.type = type;
  p.flags = flags;
  p.name.assign("p1");
  p.device.assign(device);
  p.options.assign(options);
  return p;
}

struct Hostile {
  const char* what;
  PortAdd def;
  const char* error;  // a substring of the refusal
};

TEST(PortRules, RefusesHostileDevicesAndOptions) {
  const std::string long_path = "/" + std::string(255, 'a');
  const Hostile cases[] = {
      // pcap: files only through the device's rx_pcap/tx_pcap, never through options.
      {"pcap options name a file", port(PortType::kPcap, "rx_pcap=/p/in.pcap", "tx_pcap=/etc/shadow"),
       "key 'tx_pcap' is not allowed"},
      {"pcap options name an iface", port(PortType::kPcap, "rx_pcap=/p/in.pcap", "iface=eth0"),
       "key 'iface' is not allowed"},
      {"pcap relative file", port(PortType::kPcap, "tx_pcap=out.pcap"), "is not an absolute path"},
      {"pcap unknown device key", port(PortType::kPcap, "rx_pcap=/p/a,phy_mac=1"),
       "key 'phy_mac' is not allowed"},
      {"pcap files and iface", port(PortType::kPcap, "tx_pcap=/p/a,rx_iface=eth0"),
       "cannot be combined"},
      {"pcap no device", port(PortType::kPcap, ""), "needs rx_pcap, tx_pcap or iface"},
      {"pcap twice", port(PortType::kPcap, "tx_pcap=/p/a,tx_pcap=/etc/shadow"), "given twice"},
      {"pcap iface with a slash", port(PortType::kPcap, "iface=../x"), "contains '/'"},
      // af_packet: the iface is one name; options cannot override iface or qpairs.
      {"af_packet devargs in iface", port(PortType::kAfPacket, "eth0,qpairs=16"), "contains ','"},
      {"af_packet iface override", port(PortType::kAfPacket, "veth0", "iface=eth0"),
       "key 'iface' is not allowed"},
      {"af_packet qpairs override", port(PortType::kAfPacket, "veth0", "qpairs=8"),
       "set by Sluice: iface, qpairs"},
      {"af_packet no iface", port(PortType::kAfPacket, ""), "needs an iface"},
      {"af_packet iface too long", port(PortType::kAfPacket, "abcdefghijklmnop"),
       "has 16 characters"},
      {"af_packet flag not 0/1", port(PortType::kAfPacket, "veth0", "qdisc_bypass=yes"),
       "must be 0 or 1"},
      {"af_packet number out of range", port(PortType::kAfPacket, "veth0", "framecnt=99999999"),
       "must be a number in"},
      {"af_packet duplicate option", port(PortType::kAfPacket, "veth0", "qdisc_bypass=0,qdisc_bypass=1"),
       "given twice"},
      // vhost-user: one absolute path; queues/client/iface are Sluice's.
      {"vhost queues override", port(PortType::kVhostUser, "/run/sluice/a.sock", "queues=2"),
       "key 'queues' is not allowed"},
      {"vhost client override", port(PortType::kVhostUser, "/run/sluice/a.sock", "client=1"),
       "key 'client' is not allowed"},
      {"vhost devargs in path", port(PortType::kVhostUser, "/run/sluice/a.sock,iface=/x"),
       "must not contain ','"},
      {"vhost relative path", port(PortType::kVhostUser, "a.sock"), "is not an absolute path"},
      {"vhost dot-dot path", port(PortType::kVhostUser, "/run/sluice/../../etc/a"),
       "without '.' or '..'"},
      {"vhost path too long", port(PortType::kVhostUser, long_path), "the limit is 255"},
      // tap: name only; no remote netdevice, no persist.
      {"tap remote", port(PortType::kTap, "tap0", "remote=eth0"), "key 'remote' is not allowed"},
      {"tap persist", port(PortType::kTap, "tap0", "persist=1"), "key 'persist' is not allowed"},
      {"tap bad name", port(PortType::kTap, "tap0;reboot"), "contains ';'"},
      {"tap bad mac", port(PortType::kTap, "tap0", "mac=nonsense"), "'fixed' or a MAC"},
      // null, ring.
      {"null device", port(PortType::kNull, "rx_pcap=/etc/shadow"), "takes no device"},
      {"null size junk", port(PortType::kNull, "", "size=abc"), "must be a number"},
      {"ring nodeaction", port(PortType::kRing, "r0", "nodeaction=r0:0:ATTACH"),
       "key 'nodeaction' is not allowed"},
      {"ring name with ':'", port(PortType::kRing, "r0:0:ATTACH"), "contains ':'"},
      // dpdk: a PCI address, never a virtual device that would bypass the rules above.
      {"dpdk vdev", port(PortType::kDpdk, "net_pcap0,tx_pcap=/etc/shadow"), "not a PCI address"},
      {"dpdk af_packet vdev", port(PortType::kDpdk, "net_af_packet9,iface=eth0"),
       "not a PCI address"},
      {"dpdk path option", port(PortType::kDpdk, "0000:00:04.0", "fw=/etc/shadow"),
       "the value must be 1..64"},
      {"dpdk path devarg", port(PortType::kDpdk, "0000:00:04.0,fw=/etc/shadow"),
       "the value must be 1..64"},
      {"dpdk empty", port(PortType::kDpdk, ""), "needs a device"},
      // Generic syntax.
      {"option without value", port(PortType::kNull, "", "novalue"), "not of the form key=value"},
      {"option with space", port(PortType::kNull, "", "no-rx=1, size=64"),
       "not of the form key=value"},
      {"empty option item", port(PortType::kNull, "", "no-rx=1,,size=64"),
       "not of the form key=value"},
      {"unknown type", port(static_cast<PortType>(42), "x"), "unknown port type"},
  };
  for (const Hostile& c : cases) {
    SCOPED_TRACE(c.what);
    const auto error = check_port_add(c.def);
    ASSERT_TRUE(error.has_value()) << "accepted";
    EXPECT_THAT(*error, HasSubstr(c.error));
  }
}

TEST(PortRules, AcceptsWhatThePolicyCompilerSends) {
  const PortAdd fine[] = {
      port(PortType::kVhostUser, "/run/sluice/vm1.sock"),
      port(PortType::kVhostUser, "/run/sluice/vm2.sock", "iommu-support=1,tso=0",
           port_flags::kVhostClient),
      port(PortType::kAfPacket, "veth0"),
      port(PortType::kAfPacket, "h1-sw", "qdisc_bypass=1,framecnt=1024,fanout_mode=hash"),
      port(PortType::kTap, "sluice-tap0", "mac=fixed"),
      port(PortType::kTap, ""),  // named after the port
      port(PortType::kPcap, "rx_pcap=/var/lib/sluice/pcap/in.pcap,tx_pcap=/var/lib/sluice/pcap/o"),
      port(PortType::kPcap, "iface=veth1", "phy_mac=1"),
      port(PortType::kNull, ""),
      port(PortType::kNull, "", "no-rx=0,size=64"),
      port(PortType::kRing, "r0"),
      port(PortType::kRing, ""),
      port(PortType::kDpdk, "0000:00:04.0", "rxq=2,txq=2"),
      port(PortType::kDpdk, "00:04.1,rxq=2"),
  };
  for (const PortAdd& p : fine) {
    SCOPED_TRACE(std::string(p.device.view()) + " / " + std::string(p.options.view()));
    EXPECT_EQ(check_port_add(p), std::nullopt);
  }
}

TEST(PortRules, NoOptionKeyOverridesWhatSluiceSets) {
  const std::pair<PortType, const char*> sluice_keys[] = {
      {PortType::kVhostUser, "iface"}, {PortType::kVhostUser, "queues"},
      {PortType::kVhostUser, "client"}, {PortType::kAfPacket, "iface"},
      {PortType::kAfPacket, "qpairs"},  {PortType::kTap, "iface"},
      {PortType::kRing, "nodeaction"},  {PortType::kPcap, "rx_pcap"},
      {PortType::kPcap, "tx_pcap"},     {PortType::kPcap, "iface"},
  };
  for (const auto& [type, key] : sluice_keys) {
    for (const OptionRule& r : option_rules(type)) EXPECT_NE(r.key, key);
  }
}

TEST(PortRules, ReferencesNameTheFilesAndInterfaces) {
  const auto pcap = references_of(port(PortType::kPcap, "rx_pcap=/d/in,tx_pcap=/d/out"));
  EXPECT_EQ(pcap.read_files, std::vector<std::string>{"/d/in"});
  EXPECT_EQ(pcap.write_files, std::vector<std::string>{"/d/out"});
  EXPECT_TRUE(pcap.host_ifaces.empty());
  const auto live = references_of(port(PortType::kPcap, "rx_iface=a,tx_iface=b"));
  EXPECT_EQ(live.host_ifaces, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(references_of(port(PortType::kAfPacket, "veth0")).host_ifaces,
            std::vector<std::string>{"veth0"});
  EXPECT_EQ(references_of(port(PortType::kVhostUser, "/run/s")).vhost_socket, "/run/s");
}

}  // namespace
}  // namespace sluice::of::port_rules
