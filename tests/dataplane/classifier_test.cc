// Classifier: every lookup agrees with a brute-force scan of the same rules (the highest
// priority whose masked_key() the key satisfies), over seeded random rule sets and keys drawn
// near the rules; then the edge cases (empty, one tuple, one match at two priorities,
// catch-all, the search's early stop).
//
// The seeds are printed; SLUICE_CLASSIFIER_SEED=<n> replaces the first one.
#include "dataplane/classifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <numeric>
#include <random>
#include <vector>

#include "openflow/oxm.h"
#include "tests/testlib/packet_builder.h"

namespace sluice::dp {
namespace {

using of::Field;
using sluice::test::ip;

bool satisfies(const FlowKey& key, const MaskedKey& rule) {
  for (unsigned w = 0; w < FlowKey::kWords; ++w) {
    if ((key.words()[w] & rule.mask.words()[w]) != rule.value.words()[w]) return false;
  }
  return true;
}

bool same_match(const MaskedKey& a, const MaskedKey& b) {
  return a.value == b.value && a.mask == b.mask;
}

// What a priority scan may answer: kMiss when nothing matches, else the action of any rule
// of the highest matching priority, except one that an earlier rule with the same priority
// and the same match hides (the header: the first one wins). Rules with equal priority and
// different matches that both match are an ambiguity OpenFlow leaves open.
std::vector<uint32_t> allowed_answers(const std::vector<ClassifierRule>& rules,
                                      const FlowKey& key) {
  int best = -1;
  for (const ClassifierRule& r : rules) {
    if (satisfies(key, r.match)) best = std::max<int>(best, r.priority);
  }
  if (best < 0) return {Classifier::kMiss};
  std::vector<uint32_t> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    const ClassifierRule& r = rules[i];
    if (r.priority != best || !satisfies(key, r.match)) continue;
    bool hidden = false;
    for (size_t j = 0; j < i && !hidden; ++j) {
      hidden = rules[j].priority == r.priority && same_match(rules[j].match, r.match);
    }
    if (!hidden) out.push_back(r.action);
  }
  return out;
}

uint64_t mac_value(const of::MacAddr& a) {
  uint64_t v = 0;
  for (uint8_t b : a) v = v << 8 | b;
  return v;
}

// Random rules and keys over small pools of values, so that keys hit several rules at once.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  of::Match match() {
    of::Match m;
    // Mostly the shapes real tables use; sometimes any combination of fields.
    switch (below(13)) {
      case 0:  // ingress
        in_port(m);
        vlan_exact(m);
        break;
      case 1:  // static MAC
        metadata(m, 0xfff);
        eth_dst(m);
        break;
      case 2:  // flood
        metadata(m, 0xfff);
        break;
      case 3:
        eth_ipv4(m);
        ipv4_prefix(m, true);
        break;
      case 4:
        eth_ipv4(m);
        ipv4_prefix(m, false);
        ipv4_prefix(m, true);
        break;
      case 5:
        eth_ipv4(m);
        l4(m);
        break;
      case 6:
        eth_ipv4(m);
        ipv4_prefix(m, false);
        l4(m);
        in_port(m);
        break;
      case 7:
        vlan_masked(m);
        break;
      case 8:
        eth_src_masked(m);
        eth_dst(m);
        break;
      case 9:
        metadata(m, random_mask());
        in_port(m);
        break;
      case 10:  // rarely a catch-all
        if (below(50) != 0) any_fields(m);
        break;
      case 11:
        arp_fields(m);
        break;
      default:
        any_fields(m);
        break;
    }
    return m;
  }

  // A key that a rule's masked bits dictate, the other fields from the pools, and now and then
  // one bit flipped so that it misses the rule or hits a neighbour.
  FlowKey key_near(const MaskedKey& rule) {
    FlowKey k = background();
    for (unsigned w = 0; w < FlowKey::kWords; ++w) {
      k.words()[w] = (k.words()[w] & ~rule.mask.words()[w]) | rule.value.words()[w];
    }
    if (below(3) == 0) {
      const unsigned w = static_cast<unsigned>(below(FlowKey::kWords));
      k.words()[w] ^= uint64_t{1} << below(64);
    }
    k.pad_[0] = k.pad_[1] = 0;
    return k;
  }

  // A key from the pools alone.
  FlowKey background() {
    FlowKey k;
    k.in_port = static_cast<uint32_t>(1 + below(4));
    k.metadata = kMetadata[below(std::size(kMetadata))];
    k.tunnel_id = below(4);
    k.eth_dst = mac_value(kMacs[below(std::size(kMacs))]);
    k.eth_src = mac_value(kMacs[below(std::size(kMacs))]);
    k.vlan_vid =
        below(3) == 0 ? of::kVidNone : static_cast<uint16_t>(of::kVidPresent | (1 + below(5)));
    k.eth_type = below(5) == 0 ? 0x0806 : 0x0800;
    if (k.eth_type == 0x0800) {
      k.ipv4_src = kIps[below(std::size(kIps))];
      k.ipv4_dst = kIps[below(std::size(kIps))];
      k.ip_proto = kProtos[below(std::size(kProtos))];
      k.l4_src = kPorts[below(std::size(kPorts))];
      k.l4_dst = kPorts[below(std::size(kPorts))];
    } else {  // ARP: addresses in ipv4_*, the opcode in ip_proto
      k.ipv4_src = kIps[below(std::size(kIps))];
      k.ipv4_dst = kIps[below(std::size(kIps))];
      k.ip_proto = static_cast<uint8_t>(1 + below(2));
      k.arp_sha = mac_value(kMacs[below(std::size(kMacs))]);
    }
    return k;
  }

  // A key unlike the pools (other port, metadata, MACs, an IPv6 EtherType, untagged): most
  // rules miss it.
  FlowKey distant() {
    FlowKey k;
    k.in_port = static_cast<uint32_t>(50 + below(50));
    k.metadata = 0x5555000 + below(16);
    k.eth_dst = 0x0a0000000000ULL + below(1000);
    k.eth_src = 0x0a0000000000ULL + below(1000);
    k.eth_type = 0x86dd;
    return k;
  }

  uint64_t below(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

 private:
  static constexpr uint64_t kMetadata[] = {1, 2, 3, 0x100, 0x1ff, 0xabc0001};
  static constexpr of::MacAddr kMacs[] = {
      {0x02, 0, 0, 0, 0, 1}, {0x02, 0, 0, 0, 0, 2},    {0x02, 0, 0, 0, 1, 1},
      {0x04, 0, 0, 0, 0, 1}, {0x01, 0, 0x5e, 0, 0, 1}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  static constexpr uint32_t kIps[] = {0x0a000001, 0x0a000002, 0x0a000101, 0x0a010001,
                                      0x0b000001, 0xc0a80001, 0xc0a80102};
  static constexpr uint8_t kProtos[] = {6, 17, 1};
  static constexpr uint16_t kPorts[] = {22, 53, 80, 443, 8, 0};

  void in_port(of::Match& m) {
    m.present |= of::field_bit(Field::kInPort);
    m.in_port = static_cast<uint32_t>(1 + below(4));
  }
  void metadata(of::Match& m, uint64_t mask) {
    m.present |= of::field_bit(Field::kMetadata);
    m.masked |= of::field_bit(Field::kMetadata);
    m.metadata_mask = mask;
    m.metadata = kMetadata[below(std::size(kMetadata))] & mask;
  }
  uint64_t random_mask() {
    static constexpr uint64_t kMasks[] = {0xfff, 0xff, 0xf00, 0x1, ~uint64_t{0}, 0xfff0000};
    return kMasks[below(std::size(kMasks))];
  }
  void eth_dst(of::Match& m) {
    m.present |= of::field_bit(Field::kEthDst);
    m.eth_dst = kMacs[below(std::size(kMacs))];
  }
  void eth_src_masked(of::Match& m) {
    m.present |= of::field_bit(Field::kEthSrc);
    m.masked |= of::field_bit(Field::kEthSrc);
    // An OUI, or the group bit alone.
    m.eth_src_mask =
        below(2) == 0 ? of::MacAddr{0xff, 0xff, 0xff, 0, 0, 0} : of::MacAddr{0x01, 0, 0, 0, 0, 0};
    m.eth_src = kMacs[below(std::size(kMacs))];
    for (size_t i = 0; i < 6; ++i) m.eth_src[i] &= m.eth_src_mask[i];
  }
  void vlan_exact(of::Match& m) {
    m.present |= of::field_bit(Field::kVlanVid);
    m.vlan_vid =
        below(3) == 0 ? of::kVidNone : static_cast<uint16_t>(of::kVidPresent | (1 + below(5)));
  }
  void vlan_masked(of::Match& m) {
    m.present |= of::field_bit(Field::kVlanVid);
    m.masked |= of::field_bit(Field::kVlanVid);
    if (below(2) == 0) {
      m.vlan_vid = m.vlan_vid_mask = of::kVidPresent;  // any tagged frame
    } else {
      m.vlan_vid_mask = 0x0fff;  // the VID bits, present or not
      m.vlan_vid = static_cast<uint16_t>(below(6));
    }
  }
  void eth_ipv4(of::Match& m) {
    m.present |= of::field_bit(Field::kEthType);
    m.eth_type = 0x0800;
  }
  void ipv4_prefix(of::Match& m, bool src) {
    const unsigned len = static_cast<unsigned>(below(33));
    const uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
    const uint32_t addr = kIps[below(std::size(kIps))] & mask;
    const Field f = src ? Field::kIpv4Src : Field::kIpv4Dst;
    m.present |= of::field_bit(f);
    if (len != 32) m.masked |= of::field_bit(f);
    (src ? m.ipv4_src : m.ipv4_dst) = addr;
    (src ? m.ipv4_src_mask : m.ipv4_dst_mask) = mask;
  }
  void l4(of::Match& m) {
    m.present |= of::field_bit(Field::kIpProto);
    m.ip_proto = kProtos[below(std::size(kProtos))];
    const uint16_t port = kPorts[below(std::size(kPorts))];
    const bool dst = below(2) == 0;
    if (m.ip_proto == 6) {
      m.present |= of::field_bit(dst ? Field::kTcpDst : Field::kTcpSrc);
      (dst ? m.tcp_dst : m.tcp_src) = port;
    } else if (m.ip_proto == 17) {
      m.present |= of::field_bit(dst ? Field::kUdpDst : Field::kUdpSrc);
      (dst ? m.udp_dst : m.udp_src) = port;
    } else {
      m.present |= of::field_bit(Field::kIcmpv4Type);
      m.icmpv4_type = static_cast<uint8_t>(port);
    }
  }
  // eth_type ARP and some of arp_op, arp_spa (a prefix), arp_tpa, arp_sha (exact or an OUI).
  void arp_fields(of::Match& m) {
    of::match_exact(m, Field::kEthType, 0x0806);
    if (below(2)) of::match_exact(m, Field::kArpOp, 1 + below(2));
    if (below(2)) {
      const unsigned len = static_cast<unsigned>(below(33));
      const uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
      of::match_set(m, Field::kArpSpa, kIps[below(std::size(kIps))], mask, len != 32);
    }
    if (below(2)) of::match_exact(m, Field::kArpTpa, kIps[below(std::size(kIps))]);
    if (below(2)) {
      const uint64_t mask = below(2) ? 0xffffffffffffULL : 0xffffff000000ULL;
      of::match_set(m, Field::kArpSha, mac_value(kMacs[below(std::size(kMacs))]), mask, true);
    }
  }
  void any_fields(of::Match& m) {
    if (below(2)) in_port(m);
    if (below(3) == 0) metadata(m, random_mask());
    if (below(3) == 0) eth_dst(m);
    if (below(4) == 0) eth_src_masked(m);
    if (below(3) == 0) {
      if (below(2)) {
        vlan_exact(m);
      } else {
        vlan_masked(m);
      }
    }
    if (below(4) == 0) {
      m.present |= of::field_bit(Field::kTunnelId);
      m.masked |= of::field_bit(Field::kTunnelId);
      m.tunnel_id_mask = 0x3;
      m.tunnel_id = below(4);
    }
    if (below(2)) {
      eth_ipv4(m);
      if (below(2)) ipv4_prefix(m, true);
      if (below(2)) ipv4_prefix(m, false);
      if (below(2)) l4(m);
    } else if (below(2)) {
      arp_fields(m);
    }
    if (m.present == 0) in_port(m);
  }

  std::mt19937_64 rng_;
};

std::vector<uint64_t> seeds() {
  std::vector<uint64_t> s = {0x5eed0001, 0x5eed0002, 0x5eed0003, 0x5eed0004, 0x5eed0005};
  if (const char* env = std::getenv("SLUICE_CLASSIFIER_SEED"))
    s[0] = std::strtoull(env, nullptr, 0);
  return s;
}

// Builds 'n_rules' random rules (priorities from 'priority'), looks up 'n_keys' keys and
// compares each answer with the scan. Returns how many keys hit a rule.
template <class Priority>
size_t check_against_scan(uint64_t seed, size_t n_rules, size_t n_keys, Priority priority) {
  Generator gen(seed);
  std::vector<ClassifierRule> rules;
  for (size_t i = 0; i < n_rules; ++i) {
    rules.push_back(
        ClassifierRule{masked_key(gen.match()), priority(gen, i), static_cast<uint32_t>(i), {}});
  }
  const Classifier c(rules);
  EXPECT_EQ(c.empty(), rules.empty());
  size_t hits = 0, failures = 0;
  for (size_t i = 0; i < n_keys && failures < 10; ++i) {
    FlowKey key;
    if (i % 8 == 7 || rules.empty()) {
      key = gen.background();
    } else if (i % 8 == 3) {
      key = gen.distant();
    } else {
      key = gen.key_near(rules[gen.below(rules.size())].match);
    }
    const std::vector<uint32_t> allowed = allowed_answers(rules, key);
    const uint32_t got = c.lookup(key);
    if (std::find(allowed.begin(), allowed.end(), got) == allowed.end()) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " key #" << i << ": got " << got << ", want one of "
                    << ::testing::PrintToString(allowed);
    }
    if (got != Classifier::kMiss) ++hits;
  }
  return hits;
}

TEST(ClassifierTest, AgreesWithAPriorityScanDistinctPriorities) {
  for (uint64_t seed : seeds()) {
    std::printf("[ seed     ] ClassifierTest distinct priorities: %#llx\n",
                static_cast<unsigned long long>(seed));
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    // Distinct priorities: a shuffled sample of 0..65535.
    std::vector<uint16_t> prios(65536);
    std::iota(prios.begin(), prios.end(), uint16_t{0});
    std::shuffle(prios.begin(), prios.end(), std::mt19937_64(seed ^ 0xabcdef));
    for (size_t n_rules : {1u, 10u, 200u, 1000u}) {
      const size_t hits =
          check_against_scan(seed, n_rules, 4000, [&](Generator&, size_t i) { return prios[i]; });
      EXPECT_GT(hits, 4000u / 3) << n_rules << " rules: the keys should mostly hit";
    }
  }
}

TEST(ClassifierTest, AgreesWithAPriorityScanWithPriorityTies) {
  for (uint64_t seed : seeds()) {
    std::printf("[ seed     ] ClassifierTest priority ties: %#llx\n",
                static_cast<unsigned long long>(seed));
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    for (size_t n_rules : {20u, 300u}) {
      check_against_scan(seed, n_rules, 4000,
                         [](Generator& g, size_t) { return static_cast<uint16_t>(g.below(4)); });
    }
  }
}

// Duplicated matches at random priorities: the shadowing rule of the constructor.
TEST(ClassifierTest, AgreesWithAPriorityScanWithDuplicateMatches) {
  for (uint64_t seed : seeds()) {
    std::printf("[ seed     ] ClassifierTest duplicate matches: %#llx\n",
                static_cast<unsigned long long>(seed));
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Generator gen(seed);
    std::vector<of::Match> pool;
    for (int i = 0; i < 30; ++i) pool.push_back(gen.match());
    std::vector<ClassifierRule> rules;
    for (uint32_t i = 0; i < 300; ++i) {
      rules.push_back(ClassifierRule{masked_key(pool[gen.below(pool.size())]),
                                     static_cast<uint16_t>(gen.below(8)), i, {}});
    }
    const Classifier c(rules);
    EXPECT_EQ(c.rule_count(), rules.size());  // hidden duplicates are kept (see updated())
    for (int i = 0; i < 3000; ++i) {
      const FlowKey key = gen.key_near(rules[gen.below(rules.size())].match);
      const std::vector<uint32_t> allowed = allowed_answers(rules, key);
      const uint32_t got = c.lookup(key);
      ASSERT_NE(std::find(allowed.begin(), allowed.end(), got), allowed.end())
          << "key #" << i << ": got " << got << ", want one of "
          << ::testing::PrintToString(allowed);
    }
  }
}

// ---- Edge cases ----

ClassifierRule rule(const of::Match& m, uint16_t priority, uint32_t action) {
  return ClassifierRule{masked_key(m), priority, action, {}};
}

of::Match in_port(uint32_t port) {
  of::Match m;
  m.present = of::field_bit(Field::kInPort);
  m.in_port = port;
  return m;
}

FlowKey key_on(uint32_t port) {
  FlowKey k;
  k.in_port = port;
  k.eth_type = 0x0800;
  k.ipv4_dst = ip("10.0.0.1");
  return k;
}

TEST(ClassifierTest, EmptyClassifierMissesWithoutTuples) {
  const Classifier def;
  EXPECT_TRUE(def.empty());
  EXPECT_EQ(def.tuple_count(), 0u);
  EXPECT_EQ(def.rule_count(), 0u);
  EXPECT_EQ(def.lookup(FlowKey{}), Classifier::kMiss);
  EXPECT_EQ(def.lookup(key_on(1)), Classifier::kMiss);
  const Classifier built{std::span<const ClassifierRule>{}};
  EXPECT_TRUE(built.empty());
  EXPECT_EQ(built.lookup(key_on(1)), Classifier::kMiss);
}

TEST(ClassifierTest, RulesSharingOneMaskFormOneTuple) {
  std::vector<ClassifierRule> rules;
  for (uint32_t p = 1; p <= 500; ++p) rules.push_back(rule(in_port(p), 10, p * 7));
  const Classifier c(rules);
  EXPECT_EQ(c.tuple_count(), 1u);
  EXPECT_EQ(c.rule_count(), 500u);
  for (uint32_t p = 1; p <= 500; ++p) EXPECT_EQ(c.lookup(key_on(p)), p * 7) << p;
  EXPECT_EQ(c.lookup(key_on(0)), Classifier::kMiss);
  EXPECT_EQ(c.lookup(key_on(501)), Classifier::kMiss);
}

TEST(ClassifierTest, SameMatchAtTwoPrioritiesTheHigherWins) {
  const of::Match m = in_port(3);
  for (bool high_first : {false, true}) {
    std::vector<ClassifierRule> rules = {rule(m, 10, 1), rule(m, 20, 2)};
    if (high_first) std::swap(rules[0], rules[1]);
    const Classifier c(rules);
    EXPECT_EQ(c.lookup(key_on(3)), 2u) << high_first;
    EXPECT_EQ(c.rule_count(), 2u);  // the lower one is kept, hidden, for when the higher goes
    EXPECT_EQ(c.lookup(key_on(4)), Classifier::kMiss);
  }
}

TEST(ClassifierTest, SameMatchAndPriorityTheFirstWins) {
  const Classifier c(std::vector<ClassifierRule>{rule(in_port(3), 10, 1), rule(in_port(3), 10, 2)});
  EXPECT_EQ(c.lookup(key_on(3)), 1u);
}

TEST(ClassifierTest, CatchAllMatchesEveryKey) {
  const Classifier alone(std::vector<ClassifierRule>{rule(of::Match{}, 0, 9)});
  EXPECT_EQ(alone.lookup(FlowKey{}), 9u);
  EXPECT_EQ(alone.lookup(key_on(77)), 9u);
  // Below a specific rule it is the fallback ...
  const Classifier below(
      std::vector<ClassifierRule>{rule(of::Match{}, 0, 9), rule(in_port(1), 10, 1)});
  EXPECT_EQ(below.tuple_count(), 2u);
  EXPECT_EQ(below.lookup(key_on(1)), 1u);
  EXPECT_EQ(below.lookup(key_on(2)), 9u);
  // ... above it, it hides it.
  const Classifier above(
      std::vector<ClassifierRule>{rule(in_port(1), 10, 1), rule(of::Match{}, 11, 9)});
  EXPECT_EQ(above.lookup(key_on(1)), 9u);
}

// The search stops only when no remaining tuple can beat the best match so far: a tuple whose
// best rule is high but whose matching rule is low must not end the search.
TEST(ClassifierTest, LowMatchInAHighTupleDoesNotStopTheSearch) {
  of::Match dst;
  dst.present = of::field_bit(Field::kEthType) | of::field_bit(Field::kIpv4Dst);
  dst.eth_type = 0x0800;
  dst.ipv4_dst = ip("10.0.0.1");
  of::Match other_dst = dst;
  other_dst.ipv4_dst = ip("10.0.0.2");
  const Classifier c(std::vector<ClassifierRule>{
      rule(other_dst, 100, 1),  // tuple A, best priority 100, does not match
      rule(dst, 5, 2),          // tuple A, matches at 5
      rule(in_port(1), 50, 3),  // tuple B, best priority 50, matches
      rule(of::Match{}, 1, 4),  // tuple C
  });
  EXPECT_EQ(c.tuple_count(), 3u);
  EXPECT_EQ(c.lookup(key_on(1)), 3u);
  EXPECT_EQ(c.lookup(key_on(2)), 2u);
  FlowKey nothing = key_on(2);
  nothing.ipv4_dst = ip("10.0.0.3");
  EXPECT_EQ(c.lookup(nothing), 4u);
}

TEST(ClassifierTest, MaskedVlanMatchesFollowTheWireForm) {
  of::Match any_tagged;
  any_tagged.present = any_tagged.masked = of::field_bit(Field::kVlanVid);
  any_tagged.vlan_vid = any_tagged.vlan_vid_mask = of::kVidPresent;
  of::Match untagged;
  untagged.present = of::field_bit(Field::kVlanVid);
  untagged.vlan_vid = of::kVidNone;
  const Classifier c(std::vector<ClassifierRule>{rule(any_tagged, 10, 1), rule(untagged, 10, 2)});
  FlowKey k = key_on(1);
  EXPECT_EQ(c.lookup(k), 2u);
  k.vlan_vid = of::kVidPresent | 100;
  EXPECT_EQ(c.lookup(k), 1u);
  k.vlan_vid = of::kVidPresent | 0xfff;
  EXPECT_EQ(c.lookup(k), 1u);
}

TEST(ClassifierTest, ArpSpaPrefixMatchesTheSendersSubnet) {
  of::Match m;
  of::match_exact(m, Field::kEthType, 0x0806);
  of::match_set(m, Field::kArpSpa, ip("10.0.0.0"), 0xffffff00, true);
  const Classifier c(std::vector<ClassifierRule>{rule(m, 10, 1)});
  FlowKey k;
  k.eth_type = 0x0806;
  k.ipv4_src = ip("10.0.0.77");
  EXPECT_EQ(c.lookup(k), 1u);
  k.ipv4_src = ip("10.0.1.77");
  EXPECT_EQ(c.lookup(k), Classifier::kMiss);
}

// A mask over all nine words keeps three of them beside the hot entry: a key that differs only
// in one of the last ones (arp_sha, ct_mark) must miss, and the rule must survive an update of
// its shard (which rebuilds it from the words kept beside).
TEST(ClassifierTest, NineWordMaskMatchesOnTheLastWords) {
  of::Match m;
  of::match_exact(m, Field::kMetadata, 1);
  of::match_exact(m, Field::kTunnelId, 2);
  of::match_exact(m, Field::kEthDst, 0x020000000001);
  of::match_exact(m, Field::kEthSrc, 0x020000000002);
  of::match_exact(m, Field::kInPort, 3);
  of::match_exact(m, Field::kEthType, 0x0806);
  of::match_exact(m, Field::kArpOp, 1);
  of::match_exact(m, Field::kArpSha, 0x020000000002);
  of::match_exact(m, Field::kCtMark, 5);
  const ClassifierRule r = rule(m, 10, 1);
  for (unsigned w = 0; w < FlowKey::kWords; ++w) EXPECT_NE(r.match.mask.words()[w], 0u) << w;
  const Classifier c(std::vector<ClassifierRule>{r});
  FlowKey k = r.match.value;
  EXPECT_EQ(c.lookup(k), 1u);
  k.arp_sha ^= 1;
  EXPECT_EQ(c.lookup(k), Classifier::kMiss);
  k = r.match.value;
  k.ct_mark = 4;
  EXPECT_EQ(c.lookup(k), Classifier::kMiss);
  k = r.match.value;
  k.ip_proto = 2;
  EXPECT_EQ(c.lookup(k), Classifier::kMiss);
  of::Match other = m;
  of::match_exact(other, Field::kArpSha, 0x020000000003);
  const ClassifierRule more[] = {rule(other, 10, 2)};
  const Classifier after = c.updated({}, more);
  EXPECT_EQ(after.tuple_count(), 1u);
  EXPECT_EQ(after.lookup(r.match.value), 1u);
  EXPECT_EQ(after.lookup(more[0].match.value), 2u);
}

// updated(): a long random sequence of removals and additions, in batches, each applied to the
// previous version; after every batch the result agrees with a priority scan of the rules it
// should hold, and so does the version before it (a published version never changes).
TEST(ClassifierTest, UpdatesAgreeWithAPriorityScanAndLeaveOldVersionsAlone) {
  for (uint64_t seed : seeds()) {
    std::printf("[ seed     ] ClassifierTest updates: %#llx\n", static_cast<unsigned long long>(seed));
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Generator gen(seed);
    std::vector<ClassifierRule> held;  // what the classifier should hold, in insertion order
    Classifier c;
    uint32_t next_action = 0;
    std::vector<uint16_t> prios(65536);
    std::iota(prios.begin(), prios.end(), uint16_t{0});
    std::shuffle(prios.begin(), prios.end(), std::mt19937_64(seed));
    for (int batch = 0; batch < 60; ++batch) {
      const std::vector<ClassifierRule> before = held;
      const Classifier old = c;
      std::vector<ClassifierRemoval> removals;
      std::vector<ClassifierRule> additions;
      const size_t n_remove = held.empty() ? 0 : gen.below(std::min<size_t>(held.size(), 40));
      for (size_t k = 0; k < n_remove; ++k) {
        const size_t at = gen.below(held.size());
        removals.push_back(ClassifierRemoval{held[at].match, held[at].action});
        held.erase(held.begin() + static_cast<ptrdiff_t>(at));
      }
      // Batches 20..29 also grow one tuple (in_port only) past one shard.
      const bool grow = batch >= 20 && batch < 30;
      const size_t n_add = grow ? 400 : gen.below(60);
      for (size_t k = 0; k < n_add; ++k) {
        const uint32_t a = next_action++;
        const of::Match m = grow && k % 4 != 0 ? in_port(1000 + a) : gen.match();
        additions.push_back(ClassifierRule{masked_key(m), prios[a % prios.size()], a, {}});
        held.push_back(additions.back());
      }
      c = c.updated(removals, additions);
      ASSERT_EQ(c.rule_count(), held.size());
      for (int i = 0; i < 120; ++i) {
        const FlowKey key = held.empty() || i % 4 == 3
                                ? gen.background()
                                : gen.key_near(held[gen.below(held.size())].match);
        const std::vector<uint32_t> allowed = allowed_answers(held, key);
        const uint32_t got = c.lookup(key);
        ASSERT_NE(std::find(allowed.begin(), allowed.end(), got), allowed.end())
            << "batch " << batch << " key #" << i << ": got " << got;
        const std::vector<uint32_t> allowed_old = allowed_answers(before, key);
        ASSERT_NE(std::find(allowed_old.begin(), allowed_old.end(), old.lookup(key)),
                  allowed_old.end())
            << "batch " << batch << ": the previous version changed";
      }
    }
    EXPECT_GT(c.shard_count(), c.tuple_count()) << "no tuple was ever split into shards";
  }
}

// Bulk lookup answers what single lookups answer, payloads included.
TEST(ClassifierTest, BatchLookupEqualsSingleLookups) {
  Generator gen(0x5eedba7c);
  std::vector<ClassifierRule> rules;
  for (uint32_t i = 0; i < 2000; ++i) {
    rules.push_back(ClassifierRule{masked_key(gen.match()), static_cast<uint16_t>(gen.below(50)), i,
                                   std::make_shared<uint32_t>(i)});
  }
  const Classifier c(rules);
  for (int round = 0; round < 200; ++round) {
    FlowKey keys[Classifier::kMaxBatch];
    const FlowKey* ptrs[Classifier::kMaxBatch];
    const uint32_t n = 1 + static_cast<uint32_t>(gen.below(Classifier::kMaxBatch));
    for (uint32_t i = 0; i < n; ++i) {
      keys[i] = i % 3 == 2 ? gen.background() : gen.key_near(rules[gen.below(rules.size())].match);
      ptrs[i] = &keys[i];
    }
    Classifier::Hit hits[Classifier::kMaxBatch];
    c.lookup_batch(ptrs, n, hits);
    for (uint32_t i = 0; i < n; ++i) {
      ASSERT_EQ(hits[i].action, c.lookup(keys[i])) << "round " << round << " key " << i;
      if (hits[i].action == Classifier::kMiss) {
        EXPECT_EQ(hits[i].payload, nullptr);
      } else {
        ASSERT_NE(hits[i].payload, nullptr);
        EXPECT_EQ(*static_cast<const uint32_t*>(hits[i].payload), hits[i].action);
      }
    }
  }
}

// One rule into a big single-mask table copies one shard; the rest is shared with the old
// version. Removing the rule again shares everything but that shard too.
TEST(ClassifierTest, AnUpdateCopiesOnlyTheShardItTouches) {
  std::vector<ClassifierRule> rules;
  for (uint32_t p = 1; p <= 20000; ++p) rules.push_back(rule(in_port(p), 10, p));
  const Classifier big(rules);
  ASSERT_EQ(big.tuple_count(), 1u);
  ASSERT_GT(big.shard_count(), 16u);
  const ClassifierRule extra = rule(in_port(30000), 10, 30000);
  const Classifier more = big.updated({}, std::span(&extra, 1));
  EXPECT_EQ(more.rule_count(), 20001u);
  EXPECT_EQ(more.shard_count(), big.shard_count());
  EXPECT_EQ(more.shared_shards(big), big.shard_count() - 1);
  EXPECT_EQ(more.lookup(key_on(30000)), 30000u);
  EXPECT_EQ(big.lookup(key_on(30000)), Classifier::kMiss);
  const ClassifierRemoval gone{extra.match, extra.action};
  const Classifier back = more.updated(std::span(&gone, 1), {});
  EXPECT_EQ(back.rule_count(), 20000u);
  EXPECT_EQ(back.shared_shards(more), more.shard_count() - 1);
  EXPECT_EQ(back.lookup(key_on(30000)), Classifier::kMiss);
  EXPECT_EQ(back.lookup(key_on(17)), 17u);
}

// A hidden duplicate (same match, lower priority) shows again when the rule hiding it goes.
TEST(ClassifierTest, RemovingTheHigherOfTwoEqualMatchesUncoversTheLower) {
  const std::vector<ClassifierRule> rules = {rule(in_port(3), 10, 1), rule(in_port(3), 20, 2)};
  const Classifier c(rules);
  ASSERT_EQ(c.lookup(key_on(3)), 2u);
  const ClassifierRemoval high{rules[1].match, 2};
  const Classifier after = c.updated(std::span(&high, 1), {});
  EXPECT_EQ(after.lookup(key_on(3)), 1u);
  const ClassifierRemoval low{rules[0].match, 1};
  const Classifier none = after.updated(std::span(&low, 1), {});
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.lookup(key_on(3)), Classifier::kMiss);
}

}  // namespace
}  // namespace sluice::dp
