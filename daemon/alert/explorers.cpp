#include "alert/explorers.hpp"

namespace fw::alert {
namespace {

bool unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

void append_encoded(std::string& out, std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char c : value) {
    if (unreserved(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += hex[b >> 4];
      out += hex[b & 0x0f];
    }
  }
}

std::optional<std::string> expand(const std::string& tmpl, std::string_view placeholder, std::string_view value) {
  if (tmpl.empty() || value.empty()) return std::nullopt;
  return expand_template(tmpl, placeholder, value);
}

}  // namespace

std::string expand_template(std::string_view tmpl, std::string_view placeholder, std::string_view value) {
  std::string out;
  out.reserve(tmpl.size() + value.size() * 3);
  std::size_t pos = 0;
  while (true) {
    const std::size_t at = placeholder.empty() ? std::string_view::npos : tmpl.find(placeholder, pos);
    if (at == std::string_view::npos) break;
    out.append(tmpl.substr(pos, at - pos));
    append_encoded(out, value);
    pos = at + placeholder.size();
  }
  out.append(tmpl.substr(pos));
  return out;
}

Explorers::Explorers() {
  auto add = [&](std::string chain, Network n, std::string tx, std::string address) {
    templates_.push_back(Templates{std::move(chain), false, n, std::move(tx), std::move(address)});
  };
  add("stacks", Network::mainnet, "https://explorer.hiro.so/txid/{tx}?chain=mainnet",
      "https://explorer.hiro.so/address/{address}?chain=mainnet");
  add("stacks", Network::testnet, "https://explorer.hiro.so/txid/{tx}?chain=testnet",
      "https://explorer.hiro.so/address/{address}?chain=testnet");
  add("ethereum", Network::mainnet, "https://etherscan.io/tx/{tx}", "https://etherscan.io/address/{address}");
  add("bsc", Network::mainnet, "https://bscscan.com/tx/{tx}", "https://bscscan.com/address/{address}");
  add("tron", Network::mainnet, "https://tronscan.org/#/transaction/{tx}", "https://tronscan.org/#/address/{address}");
  add("bitcoin", Network::mainnet, "https://mempool.space/tx/{tx}", "https://mempool.space/address/{address}");
  add("bitcoin", Network::testnet, "https://mempool.space/testnet/tx/{tx}",
      "https://mempool.space/testnet/address/{address}");
}

Explorers::Explorers(const std::vector<config::ExplorerConfig>& configured) : Explorers() {
  for (const config::ExplorerConfig& c : configured) {
    std::erase_if(templates_, [&](const Templates& t) { return t.chain_name == c.chain_name; });
    templates_.push_back(Templates{c.chain_name, true, Network::mainnet, c.tx, c.address});
  }
}

const Explorers& Explorers::defaults() {
  static const Explorers instance;
  return instance;
}

const Explorers::Templates* Explorers::find(std::string_view chain_name, Network network) const noexcept {
  for (const Templates& t : templates_)
    if (t.chain_name == chain_name && (t.any_network || t.network == network)) return &t;
  return nullptr;
}

std::optional<std::string> Explorers::tx_url(std::string_view chain_name, Network network,
                                             std::string_view tx_id) const {
  const Templates* t = find(chain_name, network);
  return t ? expand(t->tx, "{tx}", tx_id) : std::nullopt;
}

std::optional<std::string> Explorers::address_url(std::string_view chain_name, Network network,
                                                  std::string_view address) const {
  const Templates* t = find(chain_name, network);
  return t ? expand(t->address, "{address}", address) : std::nullopt;
}

}  // namespace fw::alert
