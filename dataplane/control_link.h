// ControlLink: what a control message handler (control_switch.h, control_ports.h,
// control_flows.h, control_packets.h) may ask of the ControlService that feeds it messages —
// replies, errors and publishing — and nothing else. The service keeps the channel loop,
// the compiler and the barrier's held replies; a handler keeps the state of its family.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>

#include "dataplane/counters.h"
#include "dataplane/tables.h"
#include "openflow/codec.h"

namespace sluice::dp {

class ControlLink {
 public:
  // 'bytes' may hold several messages (multipart replies); each is framed on its own.
  virtual void send(uint32_t slot, const of::Bytes& bytes) = 0;
  virtual void broadcast(const of::Bytes& bytes) = 0;  // to every connected client
  // A part of a long reply: sends 'out' and clears it, then heartbeats and flushes, so that
  // every client sees the service alive and this one drains its ring while we encode the rest.
  virtual void send_part(uint32_t slot, of::Bytes& out) = 0;
  virtual void reply_error(uint32_t slot, uint32_t xid, const of::ErrorMsg& err) = 0;
  void reply_error(uint32_t slot, uint32_t xid, const of::OfError& err,
                   std::span<const uint8_t> request) {
    reply_error(slot, xid, of::make_error(err, request));
  }

  // Something the tables depend on changed: publish soon (at the latest kMaxUnpublishedMs
  // after the first such change).
  virtual void note_change() = 0;
  // The same, without starting the kMaxUnpublishedMs clock: what port changes and bundle
  // commits have always done (a commit republishes at once anyway; a port change waits for the
  // stream of messages to pause, or for a change that does start the clock).
  virtual void mark_dirty() = 0;
  virtual void republish_if_dirty() = 0;
  // Compiles tables for these ports and publishes them now, waiting for every worker to see
  // them; 'then' runs in the same critical section of the state mutex (a port removal: no
  // worker may poll or send to a port once it is gone).
  virtual void publish_now(const std::array<PortRuntime, kMaxPorts>& ports,
                           const std::function<void()>& then) = 0;

 protected:
  ~ControlLink() = default;
};

}  // namespace sluice::dp
