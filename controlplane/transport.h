// Transport: how a Session moves whole OpenFlow messages. The real one is the shared-memory
// channel (ChannelTransport); tests plug in an in-process fake switch.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "openflow/channel/channel.h"
#include "openflow/result.h"

namespace sluice::cp {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one whole message (waits while the ring is full).
  virtual Result<void> send(std::span<const uint8_t> msg) = 0;
  // One whole message into 'out'; false on timeout.
  virtual Result<bool> receive(std::vector<uint8_t>& out, std::chrono::milliseconds timeout) = 0;
  virtual bool alive() const = 0;
  // Changes when the dataplane restarted (its state is gone).
  virtual uint64_t generation() const = 0;
  virtual void heartbeat() = 0;
};

class ChannelTransport final : public Transport {
 public:
  // Connects to channel 'name', waiting up to 'wait' for the dataplane to appear.
  static Result<std::unique_ptr<Transport>> connect(std::string_view name,
                                                    std::chrono::milliseconds wait);

  Result<void> send(std::span<const uint8_t> msg) override { return client_.send(msg); }
  Result<bool> receive(std::vector<uint8_t>& out, std::chrono::milliseconds timeout) override {
    return client_.receive(out, timeout);
  }
  bool alive() const override { return client_.server_alive(); }
  uint64_t generation() const override { return client_.server_generation(); }
  void heartbeat() override { client_.heartbeat(); }

 private:
  explicit ChannelTransport(of::ChannelClient client) : client_(std::move(client)) {}
  of::ChannelClient client_;
};

}  // namespace sluice::cp
