#include "sources/source.hpp"

#include "sources/bitcoin/mempool_source.hpp"
#include "sources/deposit_ws_source.hpp"
#include "sources/evm/evm_source.hpp"
#include "sources/replay_source.hpp"
#include "sources/stacks/api_source.hpp"
#include "sources/stacks/node_source.hpp"
#include "sources/tron/events_source.hpp"
#include "sources/tron/grid_source.hpp"

namespace fw::sources {

std::string_view to_string(SourceState s) noexcept {
  switch (s) {
    case SourceState::connecting: return "connecting";
    case SourceState::connected: return "connected";
    case SourceState::catching_up: return "catching_up";
    case SourceState::stale: return "stale";
    case SourceState::disconnected: return "disconnected";
    case SourceState::finished: return "finished";
  }
  return "unknown";
}

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const config::SourceConfig& config,
                                    Observer& observer, std::string saved_state, SourceContext context) {
  switch (config.type) {
    case config::SourceConfig::Type::deposits_ws:
      return std::make_unique<DepositWsSource>(io, config, observer);
    case config::SourceConfig::Type::replay:
      return std::make_unique<ReplaySource>(io, config, observer);
    case config::SourceConfig::Type::stacks_node:
      return std::make_unique<StacksNodeSource>(io, config, observer, std::move(saved_state));
    case config::SourceConfig::Type::stacks_api:
      return std::make_unique<StacksApiSource>(io, config, observer, std::move(saved_state));
    case config::SourceConfig::Type::evm:
      return std::make_unique<EvmSource>(io, config, observer, std::move(saved_state));
    case config::SourceConfig::Type::tron_grid:
      return std::make_unique<TronGridSource>(io, config, observer, std::move(saved_state));
    case config::SourceConfig::Type::tron_events:
      return std::make_unique<TronEventsSource>(io, config, observer, std::move(saved_state));
    case config::SourceConfig::Type::mempool_space:
      return std::make_unique<MempoolSpaceSource>(io, config, observer, std::move(saved_state), std::move(context));
  }
  (void)saved_state, (void)context;
  return nullptr;
}

}  // namespace fw::sources
