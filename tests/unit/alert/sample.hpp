// Test helper: one matched deposit (12.5 USDT on TRON from the Lazarus-linked
// address of the ALEX Lab case) as a Match + Transfer pair.
#pragma once

#include <chrono>

#include "core/transfer.hpp"
#include "match/match.hpp"

namespace fw::alert::test {

using namespace std::chrono_literals;

// 2024-05-14T10:00:00Z
inline constexpr std::chrono::system_clock::time_point t0{std::chrono::seconds(1715680800)};

inline Transfer tron_deposit() {
  Transfer t;
  t.chain = Chain::tron;
  t.chain_name = "tron";
  t.network = Network::mainnet;
  t.asset = {"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", 6};
  t.senders = {"TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm"};
  t.recipient = "TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T";
  t.amount = Amount(12500000);
  t.tx_id = "9f2c7a0d4cbe1b8e0e0f5c9f6a1f3d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b";
  t.status = TransferStatus::pending;
  t.source = "exchange-ws";
  t.received_at = t0 + 123ms;
  t.deposit = DepositInfo{"88123456", "1042", "TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T", false};
  return t;
}

inline match::Match match_for(const Transfer& t, match::Direction d = match::Direction::from) {
  match::Match m;
  m.direction = d;
  m.listed_address = d == match::Direction::from ? t.senders.at(0) : t.recipient;
  m.entry.address = m.listed_address;
  m.entry.chain = t.chain;
  match::Listing l;
  l.list = "alex-lab-2024";
  l.file = "lists/alex-lab-2024.csv";
  l.line = 7;
  l.label = "Lazarus Group (ALEX Lab 2024)";
  l.incident = "alex-lab-2024";
  l.source = "tayvano/lazarus-bluenoroff-research";
  l.severity = "critical";
  l.added_at = "2024-05-15";
  m.entry.provenance.push_back(l);
  m.watchlist_version = "5d41402abc4b2a76b9719d911017c592";
  m.stage = std::string(match::stage_of(t));
  m.base_id = match::base_id(t, m.listed_address, d);
  m.alert_id = match::alert_id(m.base_id, m.stage);
  return m;
}

// The same transfer matched through a follow-the-money derived entry: the
// sender is two hops from the seed, not approved ("suspected").
inline match::Match derived_match_for(const Transfer& t) {
  match::Match m = match_for(t);
  const std::string seed = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8";
  const std::string hop1 = "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL";
  match::Listing l;
  l.kind = "derived";
  l.label = "follow-the-money: hop 2 from " + seed;
  l.incident = "alex-lab-2024";
  l.source = "follow-the-money";
  l.severity = "critical";
  l.added_at = "2024-05-14T09:00:00.000Z";
  l.added_by = "follow-the-money";
  l.expires_at = "2024-05-21T09:00:00.000Z";
  l.hops = 2;
  l.seed = seed;
  l.path = {
      watchlist::PathStep{seed, hop1, "tron", "aa01", "USDT", "50000", 1715673600000},
      watchlist::PathStep{hop1, m.listed_address, "tron", "bb02", "USDT", "20000.5", 1715677200000},
  };
  m.entry.provenance = {l};
  m.suspected = true;
  return m;
}

}  // namespace fw::alert::test
