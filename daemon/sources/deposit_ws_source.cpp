#include "sources/deposit_ws_source.hpp"

namespace fw::sources {

WsOptions DepositWsSource::options_from(const config::SourceConfig& c) {
  WsOptions o;
  o.name = c.name;
  o.url = c.url;
  for (const auto& [name, value] : c.headers) o.headers.emplace(name, value.reveal());
  o.ca_file = c.ca_file;
  o.tls_verify = c.tls_verify;
  o.connect_timeout_ms = c.connect_timeout_ms;
  o.idle_timeout_ms = c.idle_timeout_ms;
  o.ping_interval_ms = c.ping_interval_ms;
  o.stale_after_ms = c.stale_after_ms;
  o.max_frame_bytes = c.max_frame_bytes;
  o.backoff_initial_ms = c.reconnect.initial_ms;
  o.backoff_max_ms = c.reconnect.max_ms;
  return o;
}

DepositWsSource::DepositWsSource(boost::asio::io_context& io, const config::SourceConfig& config,
                                 Observer& observer)
    : name_(config.name),
      subscribe_message_(config.subscribe_message),
      close_grace_(config.connect_timeout_ms),
      observer_(observer) {
  WsHooks hooks;
  hooks.on_open = [this] {
    if (!subscribe_message_.empty()) client_->send(subscribe_message_);
  };
  hooks.on_frame = [this](std::string_view payload, std::chrono::steady_clock::time_point received) {
    observer_.on_frame(name_, payload, received);
  };
  hooks.on_state = [this](SourceState state, std::string_view reason) { observer_.on_state(name_, state, reason); };
  hooks.on_rejected = [this](std::string_view reason, std::string_view excerpt) {
    observer_.on_frame_rejected(name_, reason, excerpt);
  };
  hooks.on_reconnect = [this] { observer_.on_reconnect(name_); };
  client_ = std::make_unique<WsClient>(io, options_from(config), std::move(hooks));
}

DepositWsSource::~DepositWsSource() = default;

void DepositWsSource::start() { client_->start(); }
void DepositWsSource::stop() { client_->stop(close_grace_); }
SourceState DepositWsSource::state() const noexcept { return client_->state(); }
SourceStats DepositWsSource::stats() const noexcept { return client_->stats(); }

}  // namespace fw::sources
