// Formatter details not covered by the golden message tests: names, masks, reserved ports,
// empty lists, error texts.
#include <gtest/gtest.h>

#include "codec_test_util.h"
#include "openflow/oxm.h"

namespace sluice::of {
namespace {

using namespace sluice::of::testing;

TEST(FormatErrors, Names) {
  EXPECT_EQ(error_type_name(ErrorType::kBadMatch, bad_match::kBadPrereq),
            "OFPET_BAD_MATCH/OFPBMC_BAD_PREREQ");
  EXPECT_EQ(error_type_name(ErrorType::kHelloFailed, hello_failed::kIncompatible),
            "OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE");
  EXPECT_EQ(error_type_name(ErrorType::kBadRequest, bad_request::kMultipartBufferOverflow),
            "OFPET_BAD_REQUEST/OFPBRC_MULTIPART_BUFFER_OVERFLOW");
  EXPECT_EQ(error_type_name(ErrorType::kBadAction, bad_action::kBadSetArgument),
            "OFPET_BAD_ACTION/OFPBAC_BAD_SET_ARGUMENT");
  EXPECT_EQ(error_type_name(ErrorType::kBadInstruction, bad_instruction::kUnsupInst),
            "OFPET_BAD_INSTRUCTION/OFPBIC_UNSUP_INST");
  EXPECT_EQ(error_type_name(ErrorType::kFlowModFailed, flow_mod_failed::kBadFlags),
            "OFPET_FLOW_MOD_FAILED/OFPFMFC_BAD_FLAGS");
  EXPECT_EQ(error_type_name(ErrorType::kGroupModFailed, group_mod_failed::kOutOfBuckets),
            "OFPET_GROUP_MOD_FAILED/OFPGMFC_OUT_OF_BUCKETS");
  EXPECT_EQ(error_type_name(ErrorType::kPortModFailed, port_mod_failed::kBadHwAddr),
            "OFPET_PORT_MOD_FAILED/OFPPMFC_BAD_HW_ADDR");
  EXPECT_EQ(error_type_name(ErrorType::kExperimenter, sluice_error::kPortExists),
            "SLUICE/PORT_EXISTS");
  EXPECT_EQ(error_type_name(ErrorType::kExperimenter, sluice_error::kBadPortArgument),
            "SLUICE/BAD_PORT_ARGUMENT");
  EXPECT_EQ(error_type_name(ErrorType::kBadMatch, 99), "OFPET_BAD_MATCH/99");
  EXPECT_EQ(error_type_name(static_cast<ErrorType>(9), 3), "OFPET_9/3");
  EXPECT_EQ(error_type_name(ErrorType::kExperimenter, 0), "SLUICE/0");
}

TEST(FormatErrors, ErrorMessages) {
  EXPECT_EQ(format_error(make_sluice_error(sluice_error::kPortCreateFailed, "no such file\n")),
            "SLUICE/PORT_CREATE_FAILED: no such file.");
  EXPECT_EQ(format_error(make_sluice_error(sluice_error::kPortTableFull, "")),
            "SLUICE/PORT_TABLE_FULL");
  ErrorMsg other;
  other.type = ErrorType::kExperimenter;
  other.code = 5;
  other.experimenter = 0x2320;
  EXPECT_EQ(format_error(other),
            "OFPET_EXPERIMENTER/experimenter=0x00002320,exp_code=5, 0 bytes of data");
  const ErrorMsg short_data =
      make_error(OfError{ErrorType::kBadRequest, bad_request::kBadLen, 0}, hex("04 0e"));
  EXPECT_EQ(format_error(short_data), "OFPET_BAD_REQUEST/OFPBRC_BAD_LEN, 2 bytes of data");
}

TEST(FormatActions, ReservedPortsAndEmptyLists) {
  ActionList list;
  for (uint32_t p : {port_no::kInPort, port_no::kTable, port_no::kNormal, port_no::kFlood,
                     port_no::kAll, port_no::kLocal}) {
    list.push(Action{.type = ActionType::kOutput, .port = p});
  }
  list.push(Action{.type = ActionType::kOutput, .max_len = 128, .port = port_no::kController});
  EXPECT_EQ(format_actions(list), "IN_PORT,TABLE,NORMAL,FLOOD,ALL,LOCAL,CONTROLLER:128");
  EXPECT_EQ(format_actions(ActionList{}), "drop");
  EXPECT_EQ(format_instructions(Instructions{}), "drop");
  Instructions only_empty_apply;
  only_empty_apply.present = instr::kApplyActions;
  EXPECT_EQ(format_instructions(only_empty_apply), "drop");
  Instructions wm;
  wm.present = instr::kWriteMetadata | instr::kWriteActions;
  wm.metadata = 5;
  wm.metadata_mask = ~uint64_t{0};
  EXPECT_EQ(format_instructions(wm), "write_actions(),write_metadata:0x5");
}

TEST(FormatActions, SetFieldValues) {
  auto set = [](Field f, uint64_t v) {
    return format_action(Action{.type = ActionType::kSetField, .field = f, .value = v});
  };
  EXPECT_EQ(set(Field::kEthSrc, 0xaabbccddeeff), "set_field:aa:bb:cc:dd:ee:ff->eth_src");
  EXPECT_EQ(set(Field::kIpv4Dst, 0x0a000001), "set_field:10.0.0.1->ipv4_dst");
  EXPECT_EQ(set(Field::kTcpDst, 443), "set_field:443->tcp_dst");
  EXPECT_EQ(set(Field::kEthType, 0x86dd), "set_field:0x86dd->eth_type");
  EXPECT_EQ(set(Field::kMetadata, 0xff), "set_field:0xff->metadata");
  EXPECT_EQ(format_action(Action{
                .type = ActionType::kExperimenter, .sluice = SluiceAction::kNat, .value = 0x10}),
            "sluice_nat(value=0x10)");
}

TEST(FormatMatch, ShorthandsAndFallbacks) {
  Match m;
  match_exact(m, Field::kEthType, 0x88cc);
  EXPECT_EQ(format_match(m), "dl_type=0x88cc");
  Match v6;
  match_exact(v6, Field::kEthType, 0x86dd);
  match_exact(v6, Field::kIpProto, 47);
  EXPECT_EQ(format_match(v6), "ipv6,nw_proto=47");
  match_exact(v6, Field::kIpProto, 6);
  EXPECT_EQ(format_match(v6), "tcp6");
  Match arp;
  match_exact(arp, Field::kEthType, 0x0806);
  match_exact(arp, Field::kInPort, port_no::kLocal);
  EXPECT_EQ(format_match(arp), "arp,in_port=LOCAL");
  // ARP fields print as ovs-ofctl's: the addresses after dl_*, arp_op in nw_proto's place.
  match_exact(arp, Field::kEthSrc, 0x020000000001);
  match_exact(arp, Field::kArpSha, 0x020000000001);
  match_exact(arp, Field::kArpSpa, 0x0a000001);
  EXPECT_EQ(format_match(arp),
            "arp,in_port=LOCAL,dl_src=02:00:00:00:00:01,arp_spa=10.0.0.1,"
            "arp_sha=02:00:00:00:00:01");
  Match arp_masked;
  match_exact(arp_masked, Field::kEthType, 0x0806);
  match_exact(arp_masked, Field::kArpOp, 2);
  match_set(arp_masked, Field::kArpTpa, 0x0a000000, 0xff000000, true);
  match_set(arp_masked, Field::kArpSpa, 0x0a000000, 0xffff00ff, true);
  EXPECT_EQ(format_match(arp_masked),
            "arp,arp_spa=10.0.0.0/255.255.0.255,arp_tpa=10.0.0.0/8,arp_op=2");
  EXPECT_EQ(format_match(Match{}), "");
}

TEST(FormatMatch, MasksEqualToExactPrintAsExact) {
  Match m;
  match_set(m, Field::kTunnelId, 5, ~uint64_t{0}, true);
  match_set(m, Field::kVlanVid, 0x1064, 0x1fff, true);
  EXPECT_EQ(format_match(m), "tun_id=0x5,dl_vlan=100");
  Match other;
  match_set(other, Field::kVlanVid, 0x0064, 0x0fff, true);
  EXPECT_EQ(format_match(other), "vlan_tci=0x0064/0x0fff");
}

TEST(FormatFlowStats, TimeoutsFlagsAndDefaultPriority) {
  FlowStats fs;
  fs.priority = 0x8000;
  fs.idle_timeout = 10;
  fs.hard_timeout = 20;
  fs.flags = flow_flags::kSendFlowRem | flow_flags::kNoBytCounts;
  fs.duration_sec = 2;
  fs.duration_nsec = 5'000'000;
  EXPECT_EQ(format_flow_stats(fs),
            "cookie=0x0, duration=2.005s, table=0, n_packets=0, n_bytes=0, idle_timeout=10, "
            "hard_timeout=20, send_flow_rem, no_byte_counts, actions=drop");
}

TEST(FormatPort, ConfigAndStateBits) {
  Port p = golden_port();
  p.port_no = port_no::kLocal;
  p.config = port_config::kPortDown | port_config::kNoFwd | (1u << 20);
  p.state = port_state::kLinkDown | port_state::kBlocked;
  EXPECT_EQ(format_port(p),
            "LOCAL(vm1): addr:02:00:00:00:00:01 config:PORT_DOWN,NO_FWD,0x100000 "
            "state:LINK_DOWN,BLOCKED speed:10000 Mbps now, 10000 Mbps max");
}

TEST(FormatMessage, MsgTypeNames) {
  EXPECT_EQ(msg_type_name(MsgType::kHello), "OFPT_HELLO");
  EXPECT_EQ(msg_type_name(MsgType::kMultipartReply), "OFPT_MULTIPART_REPLY");
  EXPECT_EQ(msg_type_name(MsgType::kRoleReply), "OFPT_ROLE_REPLY");
  EXPECT_EQ(msg_type_name(static_cast<MsgType>(22)), "OFPT_22");
  EXPECT_EQ(msg_type_name(static_cast<MsgType>(200)), "OFPT_UNKNOWN");
}

TEST(FormatMessage, NeverThrowsOnGarbage) {
  // Deterministic pseudo-random bytes behind a valid-looking header of every type.
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245 + 12345;
    return static_cast<uint8_t>(state >> 16);
  };
  for (int type = 0; type < 32; ++type) {
    for (int round = 0; round < 50; ++round) {
      Bytes b = hex("04 00 00 00 00 00 00 01");
      b[1] = static_cast<uint8_t>(type);
      const size_t extra = next() % 96;
      for (size_t i = 0; i < extra; ++i) b.push_back(next());
      b = fix_length(b);
      const std::string text = format_message(b);
      EXPECT_FALSE(text.empty());
    }
  }
}

}  // namespace
}  // namespace sluice::of
