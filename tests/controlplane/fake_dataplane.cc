#include "tests/controlplane/fake_dataplane.h"

#include <gtest/gtest.h>

namespace sluice::cp::testing {

using namespace std::chrono_literals;

FakeDataplane::FakeDataplane(std::string name) : name_(std::move(name)) {
  auto server = of::ChannelServer::create(name_, of::ChannelServer::Options{});
  EXPECT_TRUE(server) << (server ? "" : server.error().message);
  if (!server) return;
  server_.emplace(std::move(*server));
  thread_ = std::thread([this] { serve(); });
}

FakeDataplane::~FakeDataplane() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void FakeDataplane::broadcast(std::vector<uint8_t> msg) {
  std::lock_guard lock(mu_);
  broadcasts_.push_back(std::move(msg));
}

void FakeDataplane::serve() {
  FakeSwitch fake(&state_);
  std::vector<uint8_t> msg;
  while (!stop_) {
    server_->tick();
    for (uint32_t slot = 0; slot < server_->slot_count(); ++slot) {
      while (server_->receive(slot, msg)) {
        std::lock_guard lock(mu_);
        fake.slot = slot;
        (void)fake.send(msg);
        std::vector<uint8_t> reply;
        while (*fake.receive(reply, 0ms)) server_->send(slot, reply);
      }
    }
    {
      std::lock_guard lock(mu_);
      for (const auto& m : broadcasts_) {
        for (uint32_t slot = 0; slot < server_->slot_count(); ++slot) {
          if (server_->connected(slot)) server_->send(slot, m);
        }
      }
      broadcasts_.clear();
    }
    server_->flush();
    std::this_thread::sleep_for(1ms);
  }
}

}  // namespace sluice::cp::testing
