#include "decode/stacks/sip005.hpp"

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "decode/stacks/transfers.hpp"
#include "fixtures.hpp"

namespace fw::decode::stacks {
namespace {

// derived/new_mempool_tx.json: testnet STX transfer, txid 0x516c07d6...
constexpr std::string_view stx_transfer_hex =
    "0x808000000004007ce8e31e9120f4b3cb7bea0fed9de8556cadceb90000000000000006000000000000012c0001aae8c984d3294b3d20b9d0e1"
    "81f76f6a2732e373f1dbb4e9b58e3b27bf5ce3124ffce0d606dae6ed07b7b1826a91ea53b4e103c7baaf4af0afd92249a39c47da0302000000"
    "0000051a79596b2995032f42672a1610356aa2fe09886a6d00000000000003e8000000000000000000000000000000000000000000000000000"
    "00000000000000000";

// mainnet-reorg-scenario2.tsv line 5: SIP-010 transfer on wrapped-nothing-v8, txid 0x9429dd33...
constexpr std::string_view sip010_hex =
    "0x00000000010400c2549b5e0d4630952bbb36e62621346c09dc5bd30000000000001abf00000000000000e70001820e121daafdfbc50670dc"
    "9ac2d67d595cdbae88140c9f1b937dec55d94e2b071111e3d02c9cd73d6f84d91beb0f0c9d0e39c12319c269e1e7eba75137c7276b0301000"
    "000000216c4a739e6e70be056920e5195e7ed579182c862aa12777261707065642d6e6f7468696e672d7638087472616e7366657200000004"
    "01000000000000000000000000000f42400516c2549b5e0d4630952bbb36e62621346c09dc5bd305166a74839f9b75f7944645e44e4b77f8"
    "5e408fb95a09";

TEST(Sip005, DecodesStxTokenTransfer) {
  auto r = decode_transaction_hex(stx_transfer_hex);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  const StacksTx& tx = r.value;
  EXPECT_EQ(tx.txid, "0x516c07d6398d0ba082d1da053784da5bbfce2252102e486ba94bab9c693c4b0f");
  EXPECT_EQ(tx.version, 0x80);
  EXPECT_EQ(tx.chain_id, 0x80000000u);
  EXPECT_EQ(tx.network, Network::testnet);
  EXPECT_EQ(tx.sender(), "ST1YEHRRYJ4GF9CYBFFN0ZVCXX1APSBEEQ5KEDN7M");
  EXPECT_EQ(tx.origin.hash_mode, 0);
  EXPECT_EQ(tx.origin.nonce, 6u);
  EXPECT_EQ(tx.origin.fee, 300u);
  EXPECT_FALSE(tx.sponsor);
  EXPECT_EQ(tx.anchor_mode, 3);
  EXPECT_EQ(tx.post_condition_mode, 2);
  EXPECT_EQ(tx.post_condition_count, 0u);
  EXPECT_EQ(tx.payload_type, PayloadType::token_transfer);
  ASSERT_TRUE(tx.token_transfer);
  EXPECT_EQ(tx.token_transfer->recipient, "ST1WNJTS9JM1JYGK758B10DBAMBZ0K23ADP392SBV");
  EXPECT_EQ(tx.token_transfer->amount, 1000u);
  EXPECT_EQ(tx.token_transfer->memo, (std::array<std::uint8_t, 34>{}));
}

TEST(Sip005, DecodesSip010ContractCall) {
  auto r = decode_transaction_hex(sip010_hex);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  const StacksTx& tx = r.value;
  EXPECT_EQ(tx.txid, "0x9429dd333db06784e2fd1b91fcd3b5f4f796b4151dd01174f559de2f886f459c");
  EXPECT_EQ(tx.network, Network::mainnet);
  EXPECT_EQ(tx.sender(), "SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157");
  EXPECT_EQ(tx.origin.nonce, 6847u);
  EXPECT_EQ(tx.origin.fee, 231u);
  ASSERT_TRUE(tx.contract_call);
  EXPECT_EQ(tx.contract_call->contract, "SP32AEEF6WW5Y0NMJ1S8SBSZDAY8R5J32NBZFPKKZ.wrapped-nothing-v8");
  EXPECT_EQ(tx.contract_call->function_name, "transfer");
  ASSERT_EQ(tx.contract_call->args.size(), 4u);
  EXPECT_TRUE(tx.contract_call->args_complete);
  std::string reprs;
  for (const auto& a : tx.contract_call->args) reprs += a.repr() + " ";
  EXPECT_EQ(reprs, "u1000000 SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157 SP1N790WZKDTZF5268QJ4WJVQZ1F413XSB9WZS9RJ none ");
}

TEST(Sip005, StxTransferBecomesOnePendingTransfer) {
  auto r = decode_transaction_hex(stx_transfer_hex);
  ASSERT_TRUE(r.ok());
  auto ts = to_pending_transfers(r.value, TokenRegistry::defaults(), Network::testnet, "node-1", "stacks");
  ASSERT_EQ(ts.size(), 1u);
  const Transfer& t = ts[0];
  EXPECT_EQ(t.chain, Chain::stacks);
  EXPECT_EQ(t.network, Network::testnet);
  EXPECT_EQ(t.chain_name, "stacks");
  EXPECT_EQ(t.source, "node-1");
  EXPECT_EQ(t.status, TransferStatus::pending);
  EXPECT_TRUE(t.asset.is_native());
  EXPECT_EQ(t.asset.symbol, "STX");
  EXPECT_EQ(t.asset.decimals, 6);
  EXPECT_EQ(t.senders, std::vector<std::string>{"ST1YEHRRYJ4GF9CYBFFN0ZVCXX1APSBEEQ5KEDN7M"});
  EXPECT_EQ(t.recipient, "ST1WNJTS9JM1JYGK758B10DBAMBZ0K23ADP392SBV");
  EXPECT_EQ(t.amount, Amount(1000));
  EXPECT_EQ(t.memo, std::string(68, '0'));
  EXPECT_EQ(t.tx_id, "0x516c07d6398d0ba082d1da053784da5bbfce2252102e486ba94bab9c693c4b0f");
  EXPECT_EQ(t.event_index, 0u);
  EXPECT_EQ(t.occurrence, 0u);
  EXPECT_FALSE(t.block_height);
}

TEST(Sip005, Sip010CallOnUnknownTokenUsesQuestionMarkAssetName) {
  auto r = decode_transaction_hex(sip010_hex);
  ASSERT_TRUE(r.ok());
  auto ts = to_pending_transfers(r.value, TokenRegistry::defaults(), Network::mainnet, "node-1", "stacks");
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].asset.contract, "SP32AEEF6WW5Y0NMJ1S8SBSZDAY8R5J32NBZFPKKZ.wrapped-nothing-v8::?");
  EXPECT_EQ(ts[0].asset.symbol, "");
  EXPECT_EQ(ts[0].asset.decimals, 0);
  EXPECT_EQ(ts[0].senders, std::vector<std::string>{"SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157"});
  EXPECT_EQ(ts[0].recipient, "SP1N790WZKDTZF5268QJ4WJVQZ1F413XSB9WZS9RJ");
  EXPECT_EQ(ts[0].amount, Amount(1000000));
  EXPECT_EQ(ts[0].memo, "");
}

TEST(Sip005, Sip010CallOnKnownTokenUsesTheRegistryAsset) {
  auto r = decode_transaction_hex(sip010_hex);
  TokenRegistry tokens = TokenRegistry::defaults();
  tokens.add({"SP32AEEF6WW5Y0NMJ1S8SBSZDAY8R5J32NBZFPKKZ.wrapped-nothing-v8::wrapped-nthng", "NOTHING", 0});
  auto ts = to_pending_transfers(r.value, tokens, Network::mainnet, "node-1", "stacks");
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].asset.contract, "SP32AEEF6WW5Y0NMJ1S8SBSZDAY8R5J32NBZFPKKZ.wrapped-nothing-v8::wrapped-nthng");
  EXPECT_EQ(ts[0].asset.symbol, "NOTHING");
}

// A hand-built transaction covering what the fixtures lack: sponsored
// authorization, a multisig origin, a post condition, a contract-principal
// recipient and a text memo.
std::string sponsored_multisig_tx() {
  std::string h = "00" "00000001" "05";                      // mainnet, chain 1, sponsored
  h += "01" "0102030405060708090a0b0c0d0e0f1011121314";     // origin: P2SH multisig
  h += "0000000000000007" "00000000000000c8";               // nonce 7, fee 200
  h += "00000002" "00" + std::string(66, 'a') + "02" + std::string(130, 'b') + "0001";
  h += "00" + std::string(40, 'a') + "0000000000000001" "0000000000000002" "00" + std::string(130, 'c');  // sponsor P2PKH
  h += "03" "01" "00000001";                                // anchor any, allow, 1 post condition
  h += "00" "02" "16" + std::string(40, 'a') + "03" "00000000000f4240";  // STX, standard principal, >=, 1e6
  h += "00" "0616" + std::string(40, '1') + "08" "6d792d7661756c74";  // token transfer to SP8H...my-vault
  h += "0000000005f5e100";                                  // 100000000
  h += "68656c6c6f" + std::string(58, '0');                 // "hello" + 29 NULs
  return h;
}

TEST(Sip005, DecodesSponsoredMultisigWithPostConditionAndContractRecipient) {
  auto r = decode_transaction_hex(sponsored_multisig_tx());
  ASSERT_TRUE(r.ok()) << r.error.detail;
  const StacksTx& tx = r.value;
  EXPECT_EQ(tx.sender(), "SMG40R40M30E209185GR38E1W8124GK2GFRDWHB");  // P2SH -> SM
  ASSERT_TRUE(tx.sponsor);
  EXPECT_EQ(tx.sponsor->address, "SP2NANANANANANANANANANANANANANANAN82R97DF");
  EXPECT_EQ(tx.sponsor->fee, 2u);
  EXPECT_EQ(tx.post_condition_count, 1u);
  ASSERT_TRUE(tx.token_transfer);
  EXPECT_EQ(tx.token_transfer->recipient, "SP8H248H248H248H248H248H248H248H24ARTQ82.my-vault");
  EXPECT_EQ(tx.token_transfer->amount, 100000000u);
  auto ts = to_pending_transfers(tx, TokenRegistry::defaults(), Network::mainnet, "s", "stacks");
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].memo, "68656c6c6f" + std::string(58, '0'));
}

TEST(Sip005, ErrorsNameTheByteOffset) {
  std::string h(stx_transfer_hex.substr(2));
  EXPECT_EQ(decode_transaction_hex(h.substr(0, 20)).error.detail, "byte 7: expected 20 bytes (signer hash160), 3 left");
  EXPECT_EQ(decode_transaction_hex("81" + h.substr(2)).error.detail, "byte 0: unknown transaction version 0x81");
  EXPECT_EQ(decode_transaction_hex(h + "00").error.detail, "byte 180: 1 bytes after the token_transfer payload");
  std::string bad_payload = h;
  bad_payload.replace(2 * 115, 2, "0a");
  EXPECT_EQ(decode_transaction_hex(bad_payload).error.detail, "byte 115: unknown payload type 0x0a");
  EXPECT_EQ(decode_transaction_hex("0x123").error.detail, "not hex: \"0x123\"");
  EXPECT_EQ(decode_transaction_hex("").error.detail, "byte 0: expected 1 byte (version), 0 left");
  EXPECT_EQ(decode_transaction_hex("").error.reason, Error::bad_tx);
}

// Every raw transaction recorded in the fixtures (blocks, microblocks,
// mempool bodies, synthetic payloads) decodes, and its SHA-512/256 equals the
// txid the node reported for it.
TEST(Sip005, EveryFixtureTransactionDecodesWithTheNodesTxid) {
  auto txs = test::all_raw_txs();
  std::map<PayloadType, int> by_type;
  std::size_t with_txid = 0;
  for (const auto& raw : txs) {
    auto r = decode_transaction_hex(raw.hex);
    ASSERT_TRUE(r.ok()) << raw.where << ": " << r.error.detail;
    ++by_type[r.value.payload_type];
    if (!raw.txid.empty()) {
      ++with_txid;
      EXPECT_EQ(r.value.txid, raw.txid) << raw.where;
    }
  }
  // Counted independently with a throw-away Python decoder.
  EXPECT_EQ(txs.size(), 309u);
  EXPECT_EQ(with_txid, 307u);  // two mempool transactions never made it into a recorded block
  EXPECT_EQ(by_type[PayloadType::token_transfer], 106);
  EXPECT_EQ(by_type[PayloadType::smart_contract], 16);
  EXPECT_EQ(by_type[PayloadType::contract_call], 84);
  EXPECT_EQ(by_type[PayloadType::poison_microblock], 10);
  EXPECT_EQ(by_type[PayloadType::coinbase], 15);
  EXPECT_EQ(by_type[PayloadType::coinbase_to_alt_recipient], 19);
  EXPECT_EQ(by_type[PayloadType::versioned_smart_contract], 29);
  EXPECT_EQ(by_type[PayloadType::tenure_change], 15);
  EXPECT_EQ(by_type[PayloadType::nakamoto_coinbase], 15);
}

// Truncations and corruptions of real transactions: an error or a value,
// never a crash or an out-of-bounds read (run under ASan/UBSan in CI).
TEST(Sip005, TruncatedOrCorruptedTransactionsNeverCrash) {
  auto txs = test::all_raw_txs();
  std::mt19937 rng(20240516);
  std::size_t decoded_corruptions = 0;
  for (const auto& raw : txs) {
    auto bytes = *hex_decode(raw.hex);
    const std::size_t n = bytes.size();
    const std::size_t step = n > 4096 ? n / 512 : 1;  // huge contracts: sample the cut points
    for (std::size_t len = 0; len < n; len += step) {
      // An exact-size copy, so a read past the cut is an ASan error.
      std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      auto r = decode_transaction(cut);
      EXPECT_FALSE(r.ok()) << raw.where << " cut at " << len;
      EXPECT_NE(r.error.reason, Error::none);
    }
    for (std::size_t i = 0; i < n && i < 600; ++i) {  // flip each byte of the header and payload start
      auto copy = bytes;
      copy[i] ^= 0xff;
      auto r = decode_transaction(copy);
      if (r.ok()) ++decoded_corruptions;
    }
    for (int k = 0; k < 64; ++k) {  // several random bytes at once
      auto copy = bytes;
      for (int j = 0; j < 4; ++j) copy[rng() % n] = static_cast<std::uint8_t>(rng());
      auto r = decode_transaction(copy);
      if (r.ok()) {
        EXPECT_EQ(r.value.txid, txid_of(copy));
      }
    }
  }
  EXPECT_GT(decoded_corruptions, 0u);  // signature / hash bytes carry no structure
}

TEST(Sip005, OversizedArgumentListsAreCheckedButNotBuilt) {
  auto r = decode_transaction_hex(sip010_hex, ClarityLimits{64, 2});
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_FALSE(r.value.contract_call->args_complete);
  EXPECT_TRUE(r.value.contract_call->args.empty());
  EXPECT_TRUE(to_pending_transfers(r.value, TokenRegistry::defaults(), Network::mainnet, "s", "stacks").empty());
}

}  // namespace
}  // namespace fw::decode::stacks
