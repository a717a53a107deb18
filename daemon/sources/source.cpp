#include "sources/source.hpp"

#include "sources/deposit_ws_source.hpp"
#include "sources/replay_source.hpp"

namespace fw::sources {

std::string_view to_string(SourceState s) noexcept {
  switch (s) {
    case SourceState::connecting: return "connecting";
    case SourceState::connected: return "connected";
    case SourceState::stale: return "stale";
    case SourceState::disconnected: return "disconnected";
    case SourceState::finished: return "finished";
  }
  return "unknown";
}

std::unique_ptr<Source> make_source(boost::asio::io_context& io, const config::SourceConfig& config,
                                    Observer& observer) {
  switch (config.type) {
    case config::SourceConfig::Type::deposits_ws:
      return std::make_unique<DepositWsSource>(io, config, observer);
    case config::SourceConfig::Type::replay:
      return std::make_unique<ReplaySource>(io, config, observer);
  }
  return nullptr;
}

}  // namespace fw::sources
