#include "controlplane/transport.h"

namespace sluice::cp {

Result<std::unique_ptr<Transport>> ChannelTransport::connect(std::string_view name,
                                                             std::chrono::milliseconds wait) {
  auto client = of::ChannelClient::connect(name, wait);
  if (!client) return std::unexpected(client.error());
  return std::unique_ptr<Transport>(new ChannelTransport(std::move(*client)));
}

}  // namespace sluice::cp
