// Test helpers: the recorded TRON answers under FW_FIXTURES_DIR/tron
// (read-only), and TRC-20 Transfer triggers derived from the recorded
// event-plugin sample (the sample itself is another contract's event).
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/transfer.hpp"
#include "decode/tron/tokens.hpp"

namespace fw::decode::tron::test {

inline std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(FW_FIXTURES_DIR) + "/tron/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture tron/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Replaces the first `from` in `text` (which must be there).
inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("test data: '" + from + "' not found");
  return text.replace(at, from.size(), to);
}

inline constexpr const char* kUsdt = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
inline constexpr const char* kUsdtHex20 = "a614f803b6fd780986a42c78ec9c7f77e6ded13c";
inline constexpr const char* kCounterfeit = "THk5qH79SoAaUnUh8JVdRarSESTZpqPjSQ";
inline constexpr const char* kTransferTopic = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
// From tron_address_vectors.json.
inline constexpr const char* kFromHex = "01311788a9736dcc38cf6d53342c076c38e95ef2";
inline constexpr const char* kFrom = "TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9LR";
inline constexpr const char* kToHex = "b2ff692d318825a41b5668c4cefa263e8cdcc82e";
inline constexpr const char* kTo = "TSHfFTij9Ch7MEcs8c67b9iPTCYmxrwsVV";

inline std::string word(const std::string& hex20) { return std::string(24, '0') + hex20; }

inline std::string value_word(unsigned long long v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string w(64, '0');
  for (int i = 63; v; --i, v >>= 4) w[static_cast<std::size_t>(i)] = digits[v & 15];
  return w;
}

// The recorded contractEventTrigger with its SendCommission log replaced by
// a USDT Transfer of 1399000000 (1399 USDT) from kFrom to kTo: rawData
// holds the raw words, topicMap / dataMap what the node's ABI decoding
// gives. `trigger` names the kind, `removed` the revocation flag.
inline std::string usdt_event_trigger(const std::string& trigger = "contractEventTrigger", bool removed = false,
                                      unsigned long long value = 1399000000ull) {
  std::string t = read_fixture("event-plugin.contractEventTrigger.json");
  t = replace(t, "\"triggerName\":\"contractEventTrigger\"", "\"triggerName\":\"" + trigger + "\"");
  t = replace(t, "\"contractAddress\":\"TB4muJ2BJP7mXqdNaAx3S65TvZM3pq3VaJ\"", std::string("\"contractAddress\":\"") + kUsdt + "\"");
  t = replace(t, "\"removed\":false", removed ? "\"removed\":true" : "\"removed\":false");
  const auto raw_at = t.find("\"rawData\":");
  const auto raw_end = t.find("},\"abi\"", raw_at);
  t.replace(raw_at, raw_end + 1 - raw_at,
            std::string("\"rawData\":{\"address\":\"") + kUsdtHex20 + "\",\"topics\":[\"" + kTransferTopic + "\",\"" +
                word(kFromHex) + "\",\"" + word(kToHex) + "\"],\"data\":\"" + value_word(value) + "\"}");
  t = replace(t, "\"eventSignature\":\"SendCommission(uint256,uint256,uint256,uint256)\"",
              "\"eventSignature\":\"Transfer(address,address,uint256)\"");
  t = replace(t, "\"eventSignatureFull\":\"SendCommission(uint256 fromadd,uint256 sendTo,uint256 amount,uint256 timestamp)\"",
              "\"eventSignatureFull\":\"Transfer(address from,address to,uint256 value)\"");
  t = replace(t, "\"eventName\":\"SendCommission\"", "\"eventName\":\"Transfer\"");
  const auto maps_at = t.find("\"topicMap\":");
  const auto maps_end = t.rfind('}');
  t.replace(maps_at, maps_end - maps_at,
            std::string("\"topicMap\":{\"0\":\"") + kFrom + "\",\"1\":\"" + kTo + "\",\"from\":\"" + kFrom +
                "\",\"to\":\"" + kTo + "\"},\"dataMap\":{\"2\":\"" + std::to_string(value) + "\",\"value\":\"" +
                std::to_string(value) + "\"}");
  return t;
}

// The same log as a contractLogTrigger: topicList + data, no ABI maps.
inline std::string usdt_log_trigger(const std::string& trigger = "contractLogTrigger") {
  return std::string("{\"timeStamp\":1626888105000,\"triggerName\":\"") + trigger +
         "\",\"uniqueId\":\"533a57d3238e7648057d14ef6e1f73bd3d6a2444417c35fd6b2e30f22a97eeeb_2\","
         "\"transactionId\":\"533a57d3238e7648057d14ef6e1f73bd3d6a2444417c35fd6b2e30f22a97eeeb\","
         "\"contractAddress\":\"" + kUsdt + "\",\"callerAddress\":\"\",\"originAddress\":\"" + kFrom +
         "\",\"creatorAddress\":\"\",\"blockNumber\":17924978,\"removed\":false,"
         "\"latestSolidifiedBlockNumber\":17924959,\"logInfo\":null,\"rawData\":null,\"abi\":null,"
         "\"topicList\":[\"" + kTransferTopic + "\",\"" + word(kFromHex) + "\",\"" + word(kToHex) + "\"],"
         "\"data\":\"" + value_word(1399000000ull) + "\"}";
}

}  // namespace fw::decode::tron::test
