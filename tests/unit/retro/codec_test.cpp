#include "retro/codec.hpp"

#include <gtest/gtest.h>

#include <random>

namespace fw::retro {
namespace {

using namespace std::chrono_literals;

Transfer full_transfer() {
  Transfer t;
  t.chain = Chain::bitcoin;
  t.network = Network::testnet;
  t.chain_name = "bitcoin";
  t.asset.contract = "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.token-alex::alex";
  t.asset.symbol = "ALEX";
  t.asset.decimals = 8;
  t.senders = {"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "0xabcdef0123456789abcdef0123456789abcdef01",
               "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"};
  t.recipient = "0x00000000000000000000000000000000000000ff";
  t.amount = *Amount::from_decimal("115792089237316195423570985008687907853269984665640564039457584007913129639935");
  t.tx_id = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16";  // bare hex
  t.event_index = 4'000'000'000u;
  t.block_height = 18'446'744'073'709'551'615ull;
  t.block_hash = "0x00000000000000000007878ec04bb2b2e12317804810f4c26033585b3f81ffaa";
  t.status = TransferStatus::final;
  t.memo = std::string("memo\0with nul", 13);
  t.block_time = -5;  // signed: stays signed
  t.status_reason = "reorg: block 0xdead replaced";
  t.replaced_by = "0xABCDEF";  // upper case: stored raw, comes back unchanged
  t.occurrence = 7;
  t.revision = 3;
  t.source = "btc-main";
  t.received_at = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1'732'600'000'123'456'789LL));
  t.deposit = DepositInfo{"dep-1", "acct-9", "0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef", true};
  return t;
}

void expect_same(const Transfer& a, const Transfer& b) {
  EXPECT_EQ(a.chain, b.chain);
  EXPECT_EQ(a.network, b.network);
  EXPECT_EQ(a.chain_name, b.chain_name);
  EXPECT_EQ(a.asset.contract, b.asset.contract);
  EXPECT_EQ(a.asset.symbol, b.asset.symbol);
  EXPECT_EQ(a.asset.decimals, b.asset.decimals);
  EXPECT_EQ(a.senders, b.senders);
  EXPECT_EQ(a.recipient, b.recipient);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.tx_id, b.tx_id);
  EXPECT_EQ(a.event_index, b.event_index);
  EXPECT_EQ(a.block_height, b.block_height);
  EXPECT_EQ(a.block_hash, b.block_hash);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.memo, b.memo);
  EXPECT_EQ(a.block_time, b.block_time);
  EXPECT_EQ(a.status_reason, b.status_reason);
  EXPECT_EQ(a.replaced_by, b.replaced_by);
  EXPECT_EQ(a.occurrence, b.occurrence);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.received_at, b.received_at);
  ASSERT_EQ(a.deposit.has_value(), b.deposit.has_value());
  if (a.deposit) {
    EXPECT_EQ(a.deposit->deposit_id, b.deposit->deposit_id);
    EXPECT_EQ(a.deposit->account_id, b.deposit->account_id);
    EXPECT_EQ(a.deposit->deposit_address, b.deposit->deposit_address);
    EXPECT_EQ(a.deposit->credited, b.deposit->credited);
  }
}

TEST(RetroCodec, EveryFieldRoundTrips) {
  const Transfer t = full_transfer();
  std::string blob;
  encode(t, blob);
  Transfer back;
  ASSERT_TRUE(decode(blob, back));
  expect_same(t, back);
}

TEST(RetroCodec, DefaultTransferWithoutOptionalsRoundTrips) {
  Transfer t;
  t.deposit = DepositInfo{};  // present but empty, not credited
  std::string blob;
  encode(t, blob);
  Transfer back;
  back.block_height = 1;
  back.block_time = 1;
  ASSERT_TRUE(decode(blob, back));
  expect_same(t, back);
  EXPECT_FALSE(back.block_height.has_value());
  EXPECT_FALSE(back.block_time.has_value());
}

TEST(RetroCodec, HexStringsAreStoredAsBytes) {
  Transfer t;
  t.chain_name = "ethereum";
  t.senders = {"0x1111111111111111111111111111111111111111"};
  t.recipient = "0x2222222222222222222222222222222222222222";
  t.tx_id = "0x" + std::string(64, 'a');
  t.block_hash = "0x" + std::string(64, 'b');
  std::string blob;
  encode(t, blob);
  // 2*20 + 2*32 bytes of payload, not 2*42 + 2*66 characters.
  EXPECT_LT(blob.size(), 140u);
  Transfer back;
  ASSERT_TRUE(decode(blob, back));
  expect_same(t, back);
}

TEST(RetroCodec, OddOrMixedCaseHexIsKeptVerbatim) {
  Transfer t;
  t.tx_id = "0xabc";                                         // odd
  t.recipient = "0xAbCdEf0123456789abcdef0123456789abcdef01";  // EIP-55 style
  t.block_hash = "0x";
  t.memo = "1234567890123456";  // digits only: packed, still the same text
  std::string blob;
  encode(t, blob);
  Transfer back;
  ASSERT_TRUE(decode(blob, back));
  expect_same(t, back);
}

TEST(RetroCodec, TruncatedOrForeignBlobsAreRefused) {
  std::string blob;
  encode(full_transfer(), blob);
  Transfer back;
  for (std::size_t n = 0; n < blob.size(); ++n) EXPECT_FALSE(decode(std::string_view(blob).substr(0, n), back)) << n;
  EXPECT_FALSE(decode(blob + "x", back));  // trailing bytes
  std::string other = blob;
  other[0] = 2;  // unknown version
  EXPECT_FALSE(decode(other, back));
  other = blob;
  other[2] = 9;  // no such chain
  EXPECT_FALSE(decode(other, back));
}

TEST(RetroCodec, CorruptBlobsNeverCrashTheDecoder) {
  std::string blob;
  encode(full_transfer(), blob);
  std::mt19937 rng(7);
  Transfer back;
  for (int i = 0; i < 20000; ++i) {
    std::string b = blob;
    for (int k = 0; k < 1 + i % 4; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    (void)decode(b, back);  // any answer, but no crash, no overread (ASan)
  }
}

TEST(RetroCodec, KeyIgnoresLifecycleFieldsOfChainTransfers) {
  Transfer a = full_transfer();
  a.deposit.reset();
  Transfer b = a;
  b.status = TransferStatus::pending;
  b.block_height.reset();
  b.block_hash.clear();
  b.block_time.reset();
  b.revision = 9;
  b.event_index = 1;
  b.received_at += 5s;
  b.source = "other";
  EXPECT_EQ(identity_key(a), identity_key(b));
}

TEST(RetroCodec, KeyTellsChainTransfersApart) {
  Transfer a = full_transfer();
  a.deposit.reset();
  auto differs = [&](auto change) {
    Transfer b = a;
    change(b);
    return identity_key(a) != identity_key(b);
  };
  EXPECT_TRUE(differs([](Transfer& t) { t.chain_name = "bsc"; }));
  EXPECT_TRUE(differs([](Transfer& t) { t.tx_id += "0"; }));
  EXPECT_TRUE(differs([](Transfer& t) { t.asset.contract.clear(); }));
  EXPECT_TRUE(differs([](Transfer& t) { t.senders.pop_back(); }));
  EXPECT_TRUE(differs([](Transfer& t) { t.recipient = "x"; }));
  EXPECT_TRUE(differs([](Transfer& t) { t.amount = Amount(1); }));
  EXPECT_TRUE(differs([](Transfer& t) { t.occurrence = 0; }));
  // Field boundaries count: "ab"+"c" is not "a"+"bc".
  Transfer x = a, y = a;
  x.senders = {"ab", "c"};
  y.senders = {"a", "bc"};
  EXPECT_NE(identity_key(x), identity_key(y));
}

TEST(RetroCodec, DepositKeyIsChainNameAndDepositId) {
  Transfer a = full_transfer();
  Transfer b = a;
  b.senders.clear();  // a sender learnt later
  b.amount = Amount(5);
  b.tx_id.clear();
  b.deposit->credited = false;
  EXPECT_EQ(identity_key(a), identity_key(b));
  b.deposit->deposit_id = "dep-2";
  EXPECT_NE(identity_key(a), identity_key(b));
  Transfer c = a;
  c.chain_name = "ethereum";
  EXPECT_NE(identity_key(a), identity_key(c));
}

TEST(RetroCodec, HashesAreStableAcrossBuilds) {
  // Both are stored on disk: if these change, bump the schema version.
  EXPECT_EQ(hash64("freezewatch", 1), 7601246204439201938ULL);
  EXPECT_EQ(address_hash("0x1111111111111111111111111111111111111111"), 8563455474698597634LL);
  Transfer t;
  t.chain_name = "ethereum";
  t.tx_id = "0x01";
  t.senders = {"0xaa"};
  t.recipient = "0xbb";
  t.amount = Amount(5);
  const Key k = identity_key(t);
  const Key expected{0x7c, 0x48, 0xd2, 0xf7, 0x42, 0x76, 0xc3, 0x42, 0x22, 0x5b, 0x8c, 0x8f, 0xe9, 0x3b, 0x5c, 0x28};
  EXPECT_EQ(k, expected);
  EXPECT_NE(address_hash("0x1111111111111111111111111111111111111111"),
            address_hash("0x1111111111111111111111111111111111111112"));
}

}  // namespace
}  // namespace fw::retro
