// The dataplane checks PORT_ADD fields with openflow/port_rules; sluicectl's validator checks
// the policy fields they come from with controlplane/args. Both run here on one table of inputs
// and must agree, error sentence included, so a policy the validator accepts is not refused by
// the dataplane for its syntax (the dataplane's extra rules, per-type option whitelists and
// host checks, are on top and documented in openflow/port_rules.h).
#include <gtest/gtest.h>

#include <string>

#include "controlplane/args.h"
#include "openflow/port_rules.h"

namespace sluice {
namespace {

namespace pr = of::port_rules;

const char* const kInputs[] = {
    "",        "eth0",          "veth0",        "h1-sw",          "a.b_c-d:e@f",
    "eth0,x",  "eth 0",         "eth0;reboot",  "../etc",         "abcdefghijklmno",
    "abcdefghijklmnop",         "/run/sluice/vm1.sock",           "/run/a,b",
    "relative/path",            "/",            "/tmp/x y",       "rx_pcap=/a,tx_pcap=/b",
    "k=v",     "k=",            "=v",           "novalue",        "a=1,,b=2",
    "a=1, b=2", "a=1,b=2,",     "queues=2",     "\t",             "r0:0:ATTACH",
    "0000:00:04.0",             "net_pcap0,tx_pcap=/etc/shadow",  "ünïcode",
};

TEST(PortRulesAgree, SameVerdictAndSentenceAsTheValidator) {
  const std::string long_text(300, 'x');
  std::vector<std::string> inputs(std::begin(kInputs), std::end(kInputs));
  inputs.push_back(long_text);
  inputs.push_back("/" + long_text);
  for (const std::string& in : inputs) {
    SCOPED_TRACE("input '" + in + "'");
    constexpr cp::NameArg kIface{pr::kIfaceMin, pr::kIfaceMax, pr::kIfaceExtra};
    constexpr cp::NameArg kRing{pr::kRingMin, pr::kRingMax, pr::kRingExtra};
    EXPECT_EQ(kIface.check(in), pr::check_name(in, pr::kIfaceMin, pr::kIfaceMax, pr::kIfaceExtra));
    EXPECT_EQ(kRing.check(in), pr::check_name(in, pr::kRingMin, pr::kRingMax, pr::kRingExtra));
    EXPECT_EQ(cp::AbsolutePathArg{pr::kSocketPathMax}.check(in),
              pr::check_absolute_path(in, pr::kSocketPathMax));
    EXPECT_EQ(cp::DevargsArg{pr::kPcapFileMax}.check(in),
              pr::check_devargs(in, pr::kPcapFileMax, false));
    EXPECT_EQ((cp::DevargsArg{pr::kDevargsMax, true}.check(in)),
              pr::check_devargs(in, pr::kDevargsMax, true));
    EXPECT_EQ(cp::KeyValueListArg{pr::kOptionsMax}.check(in),
              pr::check_key_value_list(in, pr::kOptionsMax));
  }
}

}  // namespace
}  // namespace sluice
