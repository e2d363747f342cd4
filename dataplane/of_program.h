// OfProgram: the plain OpenFlow tables and groups compiled for the "openflow" stage. Each
// table is a Classifier over its flows, whose payloads are the CompiledFlows; each flow's
// instructions become its own Ops (apply list, write-actions), goto and write-metadata; each
// group a list of buckets of Ops. Port numbers are resolved to port slots and group ids to
// indices here, off the fast path. A CompiledFlow is immutable and shared by every version
// of the program that holds its flow unchanged.
//
// The action set a packet carries through the tables is an array of Op pointers indexed by
// SetSlot, which is also the order it runs in at the end of the pipeline (OpenFlow 1.3
// §5.10: pop, push, set-fields, then group or else output).
// Std C++ only.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/classifier.h"
#include "openflow/messages.h"

namespace sluice::dp {

enum class OpCode : uint8_t {
  kOutput,       // slot
  kOutputInPort,
  kOutputAll,    // ALL and FLOOD: every started port except the ingress one
  kController,   // arg: max_len
  kGroup,        // arg: index into OfProgram::groups
  kPushVlan,     // arg: TPID
  kPopVlan,
  kSetField,     // field, value
  kUnknownPort,  // output to a port number that is not there (counted); arg: the port number
  kOutputTable,  // PACKET_OUT only: through the tables as if received on the in_port
  kNormal,       // NORMAL: learning-switch forwarding in the bridge domain of the metadata
  // ct(...) (conntrack.h): slot = the table it re-injects into (of::kCtNoTable: none),
  // arg = zone << 16 | of::ct_flag bits, value = ct_mark mask << 32 | ct_mark (exec)
  kCt,
  kCtClear,      // ct_clear: ct_state, ct_zone, ct_mark back to 0
};

struct Op {
  OpCode code = OpCode::kOutput;
  of::Field field = of::Field::kInPort;
  uint16_t slot = 0;
  uint32_t arg = 0;
  uint64_t value = 0;
};

// Positions in a packet's action set, in execution order.
enum SetSlot : uint8_t {
  kSetPop = 0,
  kSetPush = 1,
  kSetFieldFirst = 2,  // one per settable field, ascending OXM field number
  kSetGroup = kSetFieldFirst + 12,
  kSetOutput,
  kSetSlots,
};
// The action-set position of a set-field of 'f'.
uint8_t set_field_slot(of::Field f) noexcept;

struct OpRange {
  uint32_t first = 0;
  uint16_t count = 0;
};

inline constexpr uint8_t kNoGoto = 0xff;

struct CompiledFlow {
  uint32_t counter = 0;
  bool table_miss = false;  // priority 0, empty match: PACKET_INs it sends say NO_MATCH
  uint8_t goto_table = kNoGoto;
  bool clear_actions = false;
  bool write_metadata = false;
  // No goto and no write-actions: once its apply list has run, the packet's pipeline ends.
  bool ends_pipeline = false;
  uint16_t last_output = 0xffff;  // index in 'apply' of the last op that sends the packet
  OpRange apply;  // positions in the flow's ops (op(i))
  OpRange write;
  uint64_t metadata = 0, metadata_mask = 0;
  uint64_t cookie = 0;  // for PACKET_IN
  // The ops: inline when they are few (the flow's first cache lines), else in 'more_ops'.
  static constexpr uint32_t kInlineOps = 4;
  uint32_t n_ops = 0;
  std::array<Op, kInlineOps> inline_ops{};
  std::vector<Op> more_ops;

  const Op* op(uint32_t i) const noexcept {
    return (n_ops <= kInlineOps ? inline_ops.data() : more_ops.data()) + i;
  }
  // Takes the ops as built (apply then write).
  void set_ops(std::vector<Op> ops) {
    n_ops = static_cast<uint32_t>(ops.size());
    if (n_ops <= kInlineOps) {
      std::copy(ops.begin(), ops.end(), inline_ops.begin());
    } else {
      more_ops = std::move(ops);
    }
  }
};

struct CompiledGroup {
  of::GroupType type = of::GroupType::kAll;
  uint32_t group_id = 0;
  uint32_t counter = 0;  // group counter slot (packets, bytes)
  std::vector<uint32_t> bucket_counters;
  std::vector<OpRange> buckets;
  std::vector<uint16_t> last_output;  // per bucket, as in CompiledFlow
  std::vector<uint16_t> watch_slot;   // FAST_FAILOVER: the watched port's slot, or kNoSlot
  std::array<uint16_t, 256> select{};  // SELECT: hash & 255 → bucket, spread by weight
  bool select_any = false;             // SELECT has a bucket to choose
};

struct OfTable {
  Classifier classifier;  // actions: the flows' counter slots; payloads: their CompiledFlows
  bool learning = false;  // the learning table (handled by the L2 logic)
};

struct OfProgram {
  std::vector<Op> ops;  // the groups' buckets
  std::vector<OfTable> tables;  // up to the highest table in use
  std::vector<CompiledGroup> groups;

  const Op* op(uint32_t i) const noexcept { return ops.data() + i; }
};

bool is_send_op(OpCode c) noexcept;

// One OpenFlow action as an Op: 'slot_of(port)' gives a port's slot (or nothing: the port is
// not there), 'group_of(id)' a group's index (or nothing: counted as an unknown port).
template <class SlotOf, class GroupOf>
Op make_op(const of::Action& a, SlotOf slot_of, GroupOf group_of) {
  Op o;
  switch (a.type) {
    case of::ActionType::kOutput:
      switch (a.port) {
        case of::port_no::kInPort: o.code = OpCode::kOutputInPort; break;
        case of::port_no::kTable: o.code = OpCode::kOutputTable; break;
        case of::port_no::kNormal: o.code = OpCode::kNormal; break;
        case of::port_no::kAll:
        case of::port_no::kFlood: o.code = OpCode::kOutputAll; break;
        case of::port_no::kController:
          o.code = OpCode::kController;
          o.arg = a.max_len;
          break;
        default:
          if (auto slot = slot_of(a.port)) {
            o.code = OpCode::kOutput;
            o.slot = *slot;
          } else {
            o.code = OpCode::kUnknownPort;
            o.arg = a.port;
          }
      }
      break;
    case of::ActionType::kGroup:
      if (auto index = group_of(a.group_id)) {
        o.code = OpCode::kGroup;
        o.arg = *index;
      } else {
        o.code = OpCode::kUnknownPort;
      }
      break;
    case of::ActionType::kPushVlan:
      o.code = OpCode::kPushVlan;
      o.arg = a.ethertype;
      break;
    case of::ActionType::kPopVlan:
      o.code = OpCode::kPopVlan;
      break;
    case of::ActionType::kSetField:
      o.code = OpCode::kSetField;
      o.field = a.field;
      o.value = a.value;
      break;
    case of::ActionType::kCt:
      o.code = OpCode::kCt;
      o.slot = a.ct.table;
      o.arg = uint32_t{a.ct.zone} << 16 | a.ct.flags;
      o.value = uint64_t{a.ct.mark_mask} << 32 | a.ct.mark;
      break;
    case of::ActionType::kCtClear:
      o.code = OpCode::kCtClear;
      break;
    case of::ActionType::kExperimenter:
      break;  // refused before it gets here
  }
  return o;
}

// The hash SELECT groups choose a bucket by: the packet's L2-L4 header fields (not in_port,
// not metadata), so one connection always takes one bucket.
uint32_t select_hash(const FlowKey& key) noexcept;
// Fills 'g.select' from the buckets' weights (all weights 0: every bucket equally).
void build_select_table(CompiledGroup& g, const std::vector<uint16_t>& weights);

}  // namespace sluice::dp
