// The endpoint's role state machine (OpenFlow 1.3.5 §6.3.6), table-driven: a sequence of
// ROLE_REQUESTs from numbered clients, each with the answer and the roles it must leave.
#include "controlplane/of_roles.h"

#include <gtest/gtest.h>

#include "openflow/codec.h"

namespace sluice::cp {
namespace {

using of::ControllerRole;
constexpr auto N = ControllerRole::kNoChange, E = ControllerRole::kEqual,
               M = ControllerRole::kMaster, S = ControllerRole::kSlave;
constexpr uint16_t kOk = 0xffff;
constexpr uint16_t kStale = of::role_request_failed::kStale;

struct Step {
  uint64_t client;
  ControllerRole asks;
  uint64_t generation_id;
  uint16_t error;           // kOk, or the OFPET_ROLE_REQUEST_FAILED code
  ControllerRole replied;   // the role in the reply (when kOk)
  uint64_t reply_gen;       // the generation_id in the reply (when kOk)
  ControllerRole after[3];  // roles of clients 1, 2, 3 afterwards
};

void run_steps(const std::vector<Step>& steps) {
  RoleTable t;
  for (uint64_t c = 1; c <= 3; ++c) t.add(c);
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    SCOPED_TRACE("step " + std::to_string(i));
    RoleOutcome o = t.request(s.client, of::RoleRequest{s.asks, {}, s.generation_id});
    if (s.error == kOk) {
      ASSERT_TRUE(o.reply.has_value());
      EXPECT_EQ(o.reply->role, s.replied);
      EXPECT_EQ(o.reply->generation_id, s.reply_gen);
    } else {
      ASSERT_FALSE(o.reply.has_value());
      EXPECT_EQ(o.reply.error().type, of::ErrorType::kRoleRequestFailed);
      EXPECT_EQ(o.reply.error().code, s.error);
    }
    for (uint64_t c = 1; c <= 3; ++c) EXPECT_EQ(t.role(c), s.after[c - 1]) << "client " << c;
  }
}

TEST(Roles, EveryClientStartsEqualAndNoChangeOnlyAsks) {
  run_steps({
      {1, N, 99, kOk, E, 0, {E, E, E}},  // NOCHANGE ignores the generation id
      {2, E, 5, kOk, E, 0, {E, E, E}},   // so does EQUAL
  });
}

TEST(Roles, NewMasterDemotesThePreviousOne) {
  run_steps({
      {1, M, 1, kOk, M, 1, {M, E, E}},
      {2, M, 2, kOk, M, 2, {S, M, E}},
      {3, N, 0, kOk, E, 2, {S, M, E}},
      {2, M, 2, kOk, M, 2, {S, M, E}},  // the same generation again is not stale
      {1, E, 0, kOk, E, 2, {E, M, E}},  // EQUAL leaves the master alone
      {3, S, 3, kOk, S, 3, {E, M, S}},
  });
}

TEST(Roles, StaleGenerationIsRefusedAndChangesNothing) {
  run_steps({
      {1, M, 10, kOk, M, 10, {M, E, E}},
      {2, M, 9, kStale, E, 0, {M, E, E}},
      {2, S, 9, kStale, E, 0, {M, E, E}},
      {2, S, 11, kOk, S, 11, {M, S, E}},
  });
}

TEST(Roles, GenerationIdsCompareAsASignedDifference) {
  // Wrapping forwards is newer: 2^64-1 then 1 (difference +2).
  run_steps({
      {1, M, ~uint64_t{0}, kOk, M, ~uint64_t{0}, {M, E, E}},
      {2, M, 1, kOk, M, 1, {S, M, E}},
      {1, M, ~uint64_t{0} - 5, kStale, S, 0, {S, M, E}},
  });
}

TEST(Roles, SlaveMayOnlyRead) {
  auto msg = [](of::MsgType type, size_t len = 8) {
    std::vector<uint8_t> m(len, 0);
    m[0] = of::kVersion;
    m[1] = static_cast<uint8_t>(type);
    m[3] = static_cast<uint8_t>(len);
    return m;
  };
  for (of::MsgType t : {of::MsgType::kFlowMod, of::MsgType::kGroupMod, of::MsgType::kPortMod,
                        of::MsgType::kTableMod, of::MsgType::kPacketOut}) {
    EXPECT_FALSE(role_may_send(S, msg(t))) << static_cast<int>(t);
    EXPECT_TRUE(role_may_send(E, msg(t)));
    EXPECT_TRUE(role_may_send(M, msg(t)));
  }
  std::vector<uint8_t> meter_mod = msg(of::MsgType::kHello);
  meter_mod[1] = 29;
  EXPECT_FALSE(role_may_send(S, meter_mod));
  for (of::MsgType t : {of::MsgType::kMultipartRequest, of::MsgType::kBarrierRequest,
                        of::MsgType::kFeaturesRequest, of::MsgType::kGetConfigRequest}) {
    EXPECT_TRUE(role_may_send(S, msg(t))) << static_cast<int>(t);
  }
  // Sluice experimenter messages (ports) change the switch; another experimenter's are left to
  // the dataplane (which refuses them anyway).
  of::Bytes port_del;
  of::encode_port_del(1, of::PortDel{3}, port_del);
  EXPECT_FALSE(role_may_send(S, port_del));
  EXPECT_TRUE(role_may_send(E, port_del));
  std::vector<uint8_t> other = msg(of::MsgType::kExperimenter, 16);
  other[8] = 0x00, other[9] = 0x00, other[10] = 0x23, other[11] = 0x20;  // Nicira
  EXPECT_TRUE(role_may_send(S, other));
}

TEST(Roles, AsyncMessagesFollowTheDefaultConfiguration) {
  using of::MsgType;
  for (ControllerRole r : {E, M}) {
    EXPECT_TRUE(role_wants_async(r, MsgType::kPacketIn));
    EXPECT_TRUE(role_wants_async(r, MsgType::kFlowRemoved));
    EXPECT_TRUE(role_wants_async(r, MsgType::kPortStatus));
  }
  EXPECT_FALSE(role_wants_async(S, MsgType::kPacketIn));
  EXPECT_FALSE(role_wants_async(S, MsgType::kFlowRemoved));
  EXPECT_TRUE(role_wants_async(S, MsgType::kPortStatus));
  EXPECT_FALSE(role_wants_async(E, MsgType::kBarrierReply));
}

}  // namespace
}  // namespace sluice::cp

namespace sluice::cp {
namespace {

// async_wanted reads each message's reason where the spec puts it and applies the mask of the
// client's role; anything too short to carry a reason, or not asynchronous, is not wanted.
TEST(Async, MasksApplyPerRoleAndReason) {
  of::AsyncConfig cfg;
  cfg.packet_in_mask[0] = 0x2;      // ACTION only
  cfg.packet_in_mask[1] = 0x1;      // a slave: NO_MATCH only
  cfg.flow_removed_mask[0] = 0x4;   // DELETE only
  cfg.port_status_mask[1] = 0x0;    // a slave: no PORT_STATUS
  of::Bytes pin_nomatch, pin_action, removed_delete, removed_idle, status;
  const uint8_t frame[14] = {};
  of::PacketIn pi;
  of::encode_packet_in(0, pi, frame, pin_nomatch);
  pi.reason = of::PacketInReason::kAction;
  of::encode_packet_in(0, pi, frame, pin_action);
  of::FlowRemoved fr;
  fr.reason = of::FlowRemovedReason::kDelete;
  of::encode_flow_removed(0, fr, removed_delete);
  fr.reason = of::FlowRemovedReason::kIdleTimeout;
  of::encode_flow_removed(0, fr, removed_idle);
  of::encode_port_status(0, of::PortStatus{of::PortReason::kModify, {}, of::Port{}}, status);
  using R = of::ControllerRole;
  for (R r : {R::kMaster, R::kEqual}) {
    EXPECT_FALSE(async_wanted(cfg, r, pin_nomatch));
    EXPECT_TRUE(async_wanted(cfg, r, pin_action));
    EXPECT_TRUE(async_wanted(cfg, r, removed_delete));
    EXPECT_FALSE(async_wanted(cfg, r, removed_idle));
    EXPECT_TRUE(async_wanted(cfg, r, status));
  }
  EXPECT_TRUE(async_wanted(cfg, R::kSlave, pin_nomatch));
  EXPECT_FALSE(async_wanted(cfg, R::kSlave, pin_action));
  EXPECT_FALSE(async_wanted(cfg, R::kSlave, removed_delete));
  EXPECT_FALSE(async_wanted(cfg, R::kSlave, status));
  // The default configuration is the spec's.
  EXPECT_TRUE(async_wanted(of::AsyncConfig{}, R::kEqual, pin_nomatch));
  EXPECT_FALSE(async_wanted(of::AsyncConfig{}, R::kSlave, pin_action));
  EXPECT_TRUE(async_wanted(of::AsyncConfig{}, R::kSlave, status));
  // Truncated before the reason, or not asynchronous at all.
  of::Bytes cut(pin_action.begin(), pin_action.begin() + 14);
  EXPECT_FALSE(async_wanted(of::AsyncConfig{}, R::kEqual, cut));
  of::Bytes barrier;
  of::encode_barrier_reply(1, barrier);
  EXPECT_FALSE(async_wanted(of::AsyncConfig{}, R::kEqual, barrier));
}

}  // namespace
}  // namespace sluice::cp
