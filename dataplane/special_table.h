// Special tables: how a network function (nfv/) runs one OpenFlow table with a structure of its
// own instead of the classifier, without dataplane/ knowing the function.
//
// The composition root hands the daemon one TableSpecialiser per such table. Each time the
// compiler builds Tables it gives the specialiser every flow of its table; the specialiser
// returns its structure when the flows are exactly shapes it implements with the same meaning,
// or nullptr, and the table then runs as a plain classifier (same result, other drop names).
// The structure is immutable and published with the Tables it belongs to; the function's stage
// reads it from Tables::special and serves the packets whose next table (PacketMeta::table) is
// that table, setting the next one (goto) or a drop with a named reason.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/counters.h"
#include "dataplane/flow_entry.h"

namespace sluice::dp {

struct PortRuntime;

class SpecialTable {
 public:
  virtual ~SpecialTable() = default;
  // The tables its flows go to next (goto_table), for deciding what a pipeline reaches.
  std::vector<uint8_t> next_tables;
};

class TableSpecialiser {
 public:
  virtual ~TableSpecialiser() = default;
  virtual uint8_t table() const noexcept = 0;
  // The structure for 'flows' (all of the table's, in no order), or nullptr. 'ports' maps
  // slots to OpenFlow port numbers.
  virtual std::shared_ptr<const SpecialTable> compile(
      std::span<const FlowEntry* const> flows,
      const std::array<PortRuntime, kMaxPorts>& ports) const = 0;
};

using Specialisers = std::vector<std::shared_ptr<const TableSpecialiser>>;

}  // namespace sluice::dp
