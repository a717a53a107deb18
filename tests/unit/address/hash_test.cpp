#include "address/hash.hpp"

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "address/detail/keccak.hpp"
#include "core/hex.hpp"

namespace fw::address {
namespace {

TEST(Keccak256, EmptyInputUsesOriginalKeccakPadding) {
  EXPECT_EQ(hex_encode(keccak256("")), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

TEST(Keccak256, TransferEventTopic) {
  EXPECT_EQ(hex_encode(keccak256("Transfer(address,address,uint256)")),
            "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
}

TEST(Keccak256, ApprovalEventTopic) {
  EXPECT_EQ(hex_encode(keccak256("Approval(address,address,uint256)")),
            "8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925");
}

TEST(Keccak256, SpongeWithSha3PaddingMatchesOpenSslAcrossBlockBoundaries) {
  // Same permutation and block handling, FIPS-202 padding: must equal
  // OpenSSL's SHA3-256 for every length around the 136-byte rate.
  EVP_MD* sha3 = EVP_MD_fetch(nullptr, "SHA3-256", nullptr);
  ASSERT_NE(sha3, nullptr);
  std::mt19937 rng(7);
  std::vector<std::uint8_t> data(600);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t n = 0; n <= data.size(); ++n) {
    std::uint8_t want[32];
    unsigned int len = 0;
    ASSERT_EQ(EVP_Digest(data.data(), n, want, &len, sha3, nullptr), 1);
    Digest32 got = detail::keccak_sponge_256(ByteSpan(data.data(), n), 0x06);
    ASSERT_EQ(hex_encode(got), hex_encode(want, 32)) << "length " << n;
  }
  EVP_MD_free(sha3);
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(double_sha256("")), "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
}

TEST(Sha512_256, KnownVectorsFromFips180) {
  EXPECT_EQ(hex_encode(sha512_256("abc")), "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  EXPECT_EQ(hex_encode(sha512_256("")), "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a");
}

TEST(Sha512_256, StacksTxidOfRecordedMempoolTransaction) {
  // wire-formats.md A2: txid = SHA-512/256(raw tx) = 0x516c07d6... for this raw tx.
  auto raw = hex_decode(
      "808000000004007ce8e31e9120f4b3cb7bea0fed9de8556cadceb90000000000000006000000000000012c0001aae8c984d3294b3d20"
      "b9d0e181f76f6a2732e373f1dbb4e9b58e3b27bf5ce3124ffce0d606dae6ed07b7b1826a91ea53b4e103c7baaf4af0afd92249a39c47"
      "da03020000000000051a79596b2995032f42672a1610356aa2fe09886a6d00000000000003e800000000000000000000000000000000"
      "000000000000000000000000000000000000");
  ASSERT_TRUE(raw);
  EXPECT_EQ(hex_encode(sha512_256(ByteSpan(*raw))), "516c07d6398d0ba082d1da053784da5bbfce2252102e486ba94bab9c693c4b0f");
}

TEST(Hash160, KnownVectors) {
  EXPECT_EQ(hex_encode(hash160("")), "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb");
  // Bitcoin's generator point G, compressed: hash160 behind 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH.
  auto g = hex_decode("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  EXPECT_EQ(hex_encode(hash160(ByteSpan(*g))), "751e76e8199196d454941c45d1b3a323f1433bd6");
}

TEST(Hashes, SafeToCallFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (hex_encode(sha256("abc")) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace fw::address
