// sluicectl's answer to the firewall's punts (controlplane/firewall_punts.h): a rejecting rule's
// packet gets a RST or an ICMP unreachable as a PACKET_OUT out of the port it came in on,
// tagged as that port carries its network; a logging rule writes one JSON line; both rate
// limited and counted; PACKET_INs that are not the firewall's are left alone.
#include "controlplane/firewall_punts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "controlplane/log.h"
#include "openflow/codec.h"
#include "openflow/firewall.h"
#include "openflow/format.h"
#include "openflow/l2_contract.h"
#include "tests/controlplane/test_policy.h"

namespace sluice::cp {
namespace {

namespace fw = of::firewall;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// Port 1 (vm1) on VLAN 100 by access; port 2 (up) a trunk of 100 and 200, native 200.
const char* kPolicy =
    "version: 1\n"
    "networks:\n  - {name: blue, vlan: 100}\n  - {name: red, vlan: 200}\n"
    "ports:\n"
    "  - {name: vm1, type: \"null\", vlan: {mode: access, id: 100},\n"
    "     security: {macs: ['02:00:00:00:00:01'], ips: [10.0.0.1]}}\n"
    "  - {name: up, type: \"null\", vlan: {mode: trunk, allowed: [100, 200], native: 200}}\n"
    "security_groups:\n  - {name: vms, ports: [vm1]}\n"
    "firewall:\n  rules:\n"
    "    - {id: no-ssh, from: any, to: any, protocol: tcp, ports: [22], action: reject}\n"
    "    - {id: web, from: any, to: any, protocol: tcp, ports: [80], action: allow, log: true}\n"
    "    - {id: no-dns, from: any, to: any, protocol: udp, ports: [53], action: reject, "
    "log: true}\n";

std::vector<uint8_t> tcp_syn(uint16_t dport) {
  std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
                            // IPv4: 40 bytes, DF, TTL 64, TCP, 10.0.0.1 -> 10.0.0.2
                            0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                            // TCP 40000 -> dport, seq 100, SYN
                            0x9c, 0x40, static_cast<uint8_t>(dport >> 8),
                            static_cast<uint8_t>(dport), 0, 0, 0, 100, 0, 0, 0, 0, 0x50, 0x02,
                            0xfa, 0xf0, 0, 0, 0, 0};
  return f;
}

std::vector<uint8_t> udp_to(uint16_t dport) {
  std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
                            0x45, 0, 0, 36, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                            0x13, 0x89, static_cast<uint8_t>(dport >> 8),
                            static_cast<uint8_t>(dport), 0, 16, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  return f;
}

of::Bytes packet_in(uint64_t cookie, uint32_t in_port, uint16_t vlan,
                    const std::vector<uint8_t>& frame) {
  of::PacketIn pi;
  pi.reason = of::PacketInReason::kAction;
  pi.table_id = fw::kRuleTable;
  pi.cookie = cookie;
  pi.total_len = static_cast<uint16_t>(frame.size());
  pi.match.present = of::field_bit(of::Field::kInPort) | of::field_bit(of::Field::kMetadata);
  pi.match.in_port = in_port;
  pi.match.metadata = vlan;
  of::Bytes out;
  of::encode_packet_in(0, pi, frame, out);
  return out;
}

uint64_t cookie(fw::Kind kind, uint32_t number) {
  return fw::cookie(of::l2::kPolicyCookie, kind, number);
}

// The flow log in memory.
struct MemLog {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  ~MemLog() {
    std::fclose(f);
    std::free(buf);
  }
  std::string text() {
    std::fflush(f);
    return std::string(buf, len);
  }
};

class Punts : public ::testing::Test {
 protected:
  Policy policy_ = testing::valid_policy(kPolicy);
  MemLog log_;
  Clock::time_point t0_ = Clock::now();
  std::chrono::system_clock::time_point wall_ = std::chrono::system_clock::now();

  FirewallPunts make(double rejects_per_second = 100, double lines_per_second = 100) {
    PuntOptions o;
    o.rejects_per_second = rejects_per_second;
    o.log_lines_per_second = lines_per_second;
    o.flow_log = log_.f;
    return FirewallPunts(policy_, o);
  }
};

TEST_F(Punts, RejectedSynGetsRstOutOfItsAccessPort) {
  FirewallPunts p = make();
  const auto reply = p.handle(packet_in(cookie(fw::Kind::kReject, 1), 1, 100, tcp_syn(22)), t0_, wall_);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->packet_out.in_port, of::port_no::kController);
  EXPECT_EQ(of::format_actions(reply->packet_out.actions), "output:1");
  ASSERT_EQ(reply->frame.size(), 54u);
  EXPECT_EQ(reply->frame[47], 0x14);  // RST,ACK
  EXPECT_EQ(p.counters().rejects_sent, 1u);
  EXPECT_EQ(p.counters().punts, 1u);
  EXPECT_EQ(log_.text(), "");  // the rule does not log
}

TEST_F(Punts, OnATrunkTheAnswerIsTaggedUnlessNative) {
  FirewallPunts p = make();
  const auto tagged = p.handle(packet_in(cookie(fw::Kind::kReject, 1), 2, 100, tcp_syn(22)), t0_, wall_);
  ASSERT_TRUE(tagged);
  EXPECT_EQ(of::format_actions(tagged->packet_out.actions),
            "push_vlan:0x8100,set_field:0x1064->vlan_vid,output:2");
  const auto native = p.handle(packet_in(cookie(fw::Kind::kReject, 1), 2, 200, tcp_syn(22)), t0_, wall_);
  ASSERT_TRUE(native);
  EXPECT_EQ(of::format_actions(native->packet_out.actions), "output:2");
}

TEST_F(Punts, LoggingRulesWriteOneJsonLinePerPunt) {
  FirewallPunts p = make();
  EXPECT_FALSE(p.handle(packet_in(cookie(fw::Kind::kCheck, 2 | fw::kLogFlag), 1, 100, tcp_syn(80)), t0_, wall_));
  const auto r = p.handle(packet_in(cookie(fw::Kind::kReject, 3 | fw::kLogFlag), 1, 100, udp_to(53)), t0_, wall_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->frame[34], 3);  // ICMP unreachable
  EXPECT_EQ(r->frame[35], 3);  // port
  const std::string text = log_.text();
  const std::string ts = utc_timestamp(wall_);
  EXPECT_EQ(text,
            "{\"time\":\"" + ts + "\",\"event\":\"connection\",\"rule\":\"web\",\"action\":\"allow\","
            "\"network\":\"blue\",\"vlan\":100,\"in_port\":\"vm1\",\"proto\":\"tcp\","
            "\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"sport\":40000,\"dport\":80,"
            "\"tcp_flags\":\"S\"}\n"
            "{\"time\":\"" + ts + "\",\"event\":\"connection\",\"rule\":\"no-dns\",\"action\":"
            "\"reject\",\"network\":\"blue\",\"vlan\":100,\"in_port\":\"vm1\",\"proto\":\"udp\","
            "\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"sport\":5001,\"dport\":53,"
            "\"reply\":\"icmp-port-unreachable\"}\n");
  EXPECT_EQ(p.counters().log_lines, 2u);
}

TEST_F(Punts, RatesAreLimitedAndWhatIsHeldBackIsCounted) {
  FirewallPunts p = make(2, 3);
  const of::Bytes reject = packet_in(cookie(fw::Kind::kReject, 3 | fw::kLogFlag), 1, 100, udp_to(53));
  int answered = 0;
  for (int i = 0; i < 10; ++i) answered += p.handle(reject, t0_, wall_).has_value();
  EXPECT_EQ(answered, 2);
  EXPECT_EQ(p.counters().rejects_sent, 2u);
  EXPECT_EQ(p.counters().rejects_rate_limited, 8u);
  EXPECT_EQ(p.counters().log_lines, 3u);
  EXPECT_EQ(p.counters().log_lines_rate_limited, 7u);
  EXPECT_THAT(log_.text(), HasSubstr("\"reply\":\"rate-limited\""));
  p.flush_suppressed(wall_);
  EXPECT_THAT(log_.text(), HasSubstr("\"event\":\"suppressed\",\"lines\":7,\"per_second\":3}\n"));
  p.flush_suppressed(wall_);  // nothing new: no second line
  EXPECT_EQ(log_.text().find("suppressed"), log_.text().rfind("suppressed"));
  // A second later the buckets have refilled.
  EXPECT_TRUE(p.handle(reject, t0_ + std::chrono::seconds(1), wall_));
  EXPECT_EQ(p.counters().rejects_sent, 3u);
}

TEST_F(Punts, WhatMustNotBeAnsweredIsNot) {
  FirewallPunts p = make();
  std::vector<uint8_t> rst = tcp_syn(22);
  rst[47] = 0x04;
  EXPECT_FALSE(p.handle(packet_in(cookie(fw::Kind::kReject, 1), 1, 100, rst), t0_, wall_));
  // A port the policy does not have.
  EXPECT_FALSE(p.handle(packet_in(cookie(fw::Kind::kReject, 1), 9, 100, tcp_syn(22)), t0_, wall_));
  EXPECT_EQ(p.counters().rejects_unanswered, 2u);
  EXPECT_EQ(p.counters().rejects_sent, 0u);
}

TEST_F(Punts, OtherPacketInsAreLeftAlone) {
  FirewallPunts p = make();
  // An OpenFlow client's own output:CONTROLLER, a firewall flow that does not punt, a rule
  // number the policy does not have, and something that is not a PACKET_IN.
  EXPECT_FALSE(p.handle(packet_in(0x1234, 1, 100, tcp_syn(22)), t0_, wall_));
  EXPECT_FALSE(p.handle(packet_in(cookie(fw::Kind::kCheck, 1), 1, 100, tcp_syn(22)), t0_, wall_));
  EXPECT_FALSE(p.handle(packet_in(cookie(fw::Kind::kReject, 99), 1, 100, tcp_syn(22)), t0_, wall_));
  of::Bytes hello;
  of::encode_hello(1, hello);
  EXPECT_FALSE(p.handle(hello, t0_, wall_));
  EXPECT_EQ(p.counters().not_firewall, 3u);
  EXPECT_EQ(p.counters().undecodable, 1u);
  EXPECT_EQ(p.counters().punts, 0u);
  EXPECT_EQ(log_.text(), "");
}

TEST_F(Punts, AReloadRenamesRulesAndKeepsCounters) {
  FirewallPunts p = make();
  EXPECT_TRUE(p.handle(packet_in(cookie(fw::Kind::kReject, 1), 1, 100, tcp_syn(22)), t0_, wall_));
  std::string text = kPolicy;
  text.replace(text.find("id: web"), 7, "id: www");
  p.update(testing::valid_policy(text));
  p.handle(packet_in(cookie(fw::Kind::kCheck, 2 | fw::kLogFlag), 1, 100, tcp_syn(80)), t0_, wall_);
  EXPECT_THAT(log_.text(), HasSubstr("\"rule\":\"www\""));
  EXPECT_THAT(log_.text(), Not(HasSubstr("\"rule\":\"web\"")));
  EXPECT_EQ(p.counters().rejects_sent, 1u);
}

}  // namespace
}  // namespace sluice::cp
