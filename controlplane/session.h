// Session: request/reply with a dataplane over a Transport.
//
// Every request gets a fresh xid; replies are matched by xid. While waiting, the session
// answers ECHO_REQUESTs, hands PACKET_INs to the packet-in handler if one is set, and skips
// the other unsolicited messages (PORT_STATUS). Multipart replies are
// collected until the last part (no kMultipartMore). apply() sends a planned message list
// with its FLOW_MODs and GROUP_MODs inside one atomic bundle, and returns every ERROR the
// dataplane answered, matched to its request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/diff.h"
#include "controlplane/message.h"
#include "controlplane/transport.h"
#include "openflow/codec.h"
#include "openflow/result.h"

namespace sluice::cp {

// An ERROR reply to one of the messages apply() sent.
struct ApplyError {
  size_t index;      // into the message list given to apply(); its size() for the bundle itself
  std::string text;  // "FLOW_MOD #12 (xid=0x..): OFPET_BAD_MATCH/... : <request text>"
  of::ErrorMsg error;
};

class Session {
 public:
  explicit Session(std::unique_ptr<Transport> transport,
                   std::chrono::milliseconds reply_timeout = std::chrono::seconds(5));

  // HELLO both ways, then FEATURES_REQUEST/REPLY.
  Result<of::FeaturesReply> handshake();

  Result<std::vector<of::Port>> port_desc();
  Result<std::vector<of::PortStats>> port_stats(uint32_t port_no = of::port_no::kAny);
  Result<std::vector<of::FlowStats>> flow_stats(const of::FlowStatsRequest& request = {});
  Result<std::vector<of::GroupDesc>> group_desc();
  // PORT_DESC + FLOW stats (all tables) + GROUP_DESC.
  Result<InstalledState> read_installed();

  // Sends 'messages' so that the tables change in one step (no packet meets half of them):
  //   1. the port and switch messages before the first FLOW_MOD/GROUP_MOD (new ports, their
  //      settings, SWITCH_CONFIG: they cannot be bundled, and the flows may need them), then
  //      a barrier. A PORT_ADD refused with sluice_error kPortExists (the port exists with
  //      another definition) is replaced: PORT_DEL, PORT_ADD, before anything else is sent;
  //   2. every FLOW_MOD and GROUP_MOD, in order, in one ONF bundle (OPEN, ADD_MESSAGE each,
  //      a barrier, COMMIT with ATOMIC|ORDERED). If the dataplane refuses any of them, while
  //      adding or at commit, the bundle is discarded or rolled back whole: the tables stay as
  //      they were, and the error names the message;
  //   3. only if the bundle committed, the port messages after it (PORT_DEL of ports the
  //      policy dropped: the flows that used them are gone by then), then a barrier.
  Result<std::vector<ApplyError>> apply(const std::vector<Message>& messages);

  // Sends a barrier and waits for its reply.
  Result<void> barrier();

  // Answers echo requests, hands PACKET_INs to the handler and drops other unsolicited
  // messages that arrived while idle.
  Result<void> poll_idle();

  // Called with every PACKET_IN (the whole message) that arrives, while idle or while waiting
  // for a reply; it may send (packet_out) but not wait for anything.
  void on_packet_in(std::function<void(const of::Bytes&)> handler) {
    packet_in_handler_ = std::move(handler);
  }

  // Sends a PACKET_OUT (no reply is awaited; an ERROR for it is logged when it arrives).
  Result<void> packet_out(const of::PacketOut& msg, std::span<const uint8_t> frame);

  Transport& transport() { return *transport_; }

 private:
  uint32_t next_xid() { return xid_++; }
  Result<void> send(const of::Bytes& bytes);
  // Waits for a message with 'xid'; messages for other xids go to 'other' (may be null).
  Result<of::Bytes> await(uint32_t xid, std::vector<of::Bytes>* other);
  // Handles a message nobody waits for: echo requests are answered, the rest dropped.
  Result<void> handle_unsolicited(const of::Bytes& msg);
  template <class Entry, class Decode>
  Result<std::vector<Entry>> multipart(const of::Bytes& request, uint32_t xid, Decode decode);
  // Sends messages[i] for each i in 'which' and a barrier; appends errors; returns the
  // PORT_ADDs refused with kPortExists (indices).
  Result<std::vector<size_t>> send_batch(const std::vector<Message>& messages,
                                         const std::vector<size_t>& which,
                                         std::vector<ApplyError>& errors);
  // Sends the port stage (messages[i] for i in 'which'), replacing refused PORT_ADDs.
  Result<void> send_ports(const std::vector<Message>& messages, const std::vector<size_t>& which,
                          std::vector<ApplyError>& errors);
  // Sends messages[i] for each i in 'which' (FLOW_MODs, GROUP_MODs) in one bundle; appends
  // errors; true if it committed.
  Result<bool> send_bundle(const std::vector<Message>& messages, const std::vector<size_t>& which,
                           std::vector<ApplyError>& errors);
  // "FLOW_MOD #12 (xid=0x..): <error>; request: <message>"
  ApplyError describe(const std::vector<Message>& messages, size_t index, uint32_t xid,
                      const of::ErrorMsg& e);

  std::unique_ptr<Transport> transport_;
  std::chrono::milliseconds reply_timeout_;
  uint32_t xid_ = 1;
  uint32_t bundle_id_ = 1;
  std::function<void(const of::Bytes&)> packet_in_handler_;
};

// "sluice_error kPortExists" test for an ERROR message.
bool is_port_exists(const of::ErrorMsg& e);

}  // namespace sluice::cp
