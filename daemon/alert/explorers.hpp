// Block-explorer links for alerts (data.evidence.links, evidence.path[].tx_url).
//
// A template is a URL in which "{tx}" and "{address}" are replaced by the
// transaction id or address, percent-encoded (everything but A-Z a-z 0-9
// - . _ ~ becomes %XX), so a hostile value cannot change the URL's shape.
// Built-in templates exist for stacks (mainnet and testnet), ethereum, bsc,
// tron and bitcoin (mainnet and testnet); other chains have none. A
// configured entry (config::ExplorerConfig) replaces the built-in templates
// of its chain_name for every network; an empty template there means "no
// link" for that kind.
//
// Immutable after construction; thread-safe to read. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/chain.hpp"

namespace fw::alert {

class Explorers {
 public:
  Explorers();  // built-in templates only
  explicit Explorers(const std::vector<config::ExplorerConfig>& configured);

  // The shared instance with the built-in templates.
  static const Explorers& defaults();

  // nullopt when the chain has no template of that kind or the value is empty.
  std::optional<std::string> tx_url(std::string_view chain_name, Network network, std::string_view tx_id) const;
  std::optional<std::string> address_url(std::string_view chain_name, Network network,
                                         std::string_view address) const;

 private:
  struct Templates {
    std::string chain_name;
    bool any_network = false;  // configured: applies to mainnet and testnet
    Network network = Network::mainnet;
    std::string tx;
    std::string address;
  };
  const Templates* find(std::string_view chain_name, Network network) const noexcept;
  std::vector<Templates> templates_;
};

// `tmpl` with every occurrence of `placeholder` replaced by the
// percent-encoded `value`.
std::string expand_template(std::string_view tmpl, std::string_view placeholder, std::string_view value);

}  // namespace fw::alert
