// Session: request/reply with a dataplane over a Transport.
//
// Every request gets a fresh xid; replies are matched by xid. While waiting, the session
// answers ECHO_REQUESTs and skips unsolicited messages (PORT_STATUS). Multipart replies are
// collected until the last part (no kMultipartMore). apply() sends a planned message list and
// a BARRIER_REQUEST and returns every ERROR the dataplane answered, matched to its request.
#pragma once

#include <chrono>
#include <cstdint>
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
  size_t index;      // into the message list given to apply()
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

  // Sends 'messages' in order, then a barrier, and waits for the barrier reply. A PORT_ADD
  // refused with sluice_error kPortExists (the port exists with another definition) is
  // replaced: PORT_DEL, PORT_ADD, before anything after the port stage is sent.
  Result<std::vector<ApplyError>> apply(const std::vector<Message>& messages);

  // Sends a barrier and waits for its reply.
  Result<void> barrier();

  // Answers echo requests and drops unsolicited messages that arrived while idle.
  Result<void> poll_idle();

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
  // Sends messages[first..last) and a barrier; appends errors; returns the PORT_ADDs refused
  // with kPortExists (indices).
  Result<std::vector<size_t>> send_batch(const std::vector<Message>& messages, size_t first,
                                         size_t last, std::vector<ApplyError>& errors);

  std::unique_ptr<Transport> transport_;
  std::chrono::milliseconds reply_timeout_;
  uint32_t xid_ = 1;
};

// "sluice_error kPortExists" test for an ERROR message.
bool is_port_exists(const of::ErrorMsg& e);

}  // namespace sluice::cp
