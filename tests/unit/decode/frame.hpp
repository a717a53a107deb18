// Test helper: a canonical deposit event as an ordered list of fields whose
// values are raw JSON, so each test states only what it changes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw::decode::test {

class Frame {
 public:
  Frame& set(std::string_view key, std::string_view raw_json) {
    for (auto& [k, v] : fields_)
      if (k == key) {
        v = raw_json;
        return *this;
      }
    fields_.emplace_back(key, raw_json);
    return *this;
  }
  Frame& erase(std::string_view key) {
    std::erase_if(fields_, [&](const auto& kv) { return kv.first == key; });
    return *this;
  }
  std::string str() const {
    std::string s = "{";
    for (const auto& [k, v] : fields_) {
      if (s.size() > 1) s += ',';
      s += '"' + k + "\":" + v;
    }
    return s + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

inline constexpr std::string_view attacker_stacks = "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS";
inline constexpr std::string_view customer_stacks = "SP15RWSKC53G1H1182HZTNV027BCQAK6T753GW081";

// A pending STX deposit with every field set.
inline Frame stacks_deposit() {
  Frame f;
  f.set("type", R"("deposit")")
      .set("deposit_id", R"("d-1001")")
      .set("account_id", R"("u-42")")
      .set("chain", R"("stacks")")
      .set("network", R"("mainnet")")
      .set("asset_symbol", R"("STX")")
      .set("asset_contract", R"("")")
      .set("asset_decimals", "6")
      .set("sender", "\"" + std::string(attacker_stacks) + "\"")
      .set("recipient", "\"" + std::string(customer_stacks) + "\"")
      .set("deposit_address", "\"" + std::string(customer_stacks) + "\"")
      .set("amount", R"("1250000000000")")
      .set("tx_id", R"("0x42ee680e25b4346c16c47c79d7ef8d1e27055a5527a38aa9e08a7930297b6da3")")
      .set("event_index", "0")
      .set("block_height", "150006")
      .set("status", R"("pending")")
      .set("memo", R"("u-42")")
      .set("credited", "false")
      .set("timestamp", R"("2024-05-14T10:00:00Z")");
  return f;
}

}  // namespace fw::decode::test
