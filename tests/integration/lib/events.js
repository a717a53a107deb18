'use strict';
// Canonical deposit events (docs/deposit-events.md) and the watchlist the
// integration tests load. Listed addresses are real ones from the ALEX Lab
// incident list (config/watchlists/alex-lab-2024.csv); clean ones come from
// the demo's ordinary deposits and are not on the test watchlist.

const crypto = require('node:crypto');

const LISTED = {
  stacks: 'SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS',
  evm: '0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed', // EIP-55 spelling; canonical is lower case
  tron: 'TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm',
};

const CLEAN = {
  stacks: 'SP1MEZB08KACJ3PJ651XA0HQ42YSHH1C4W8KZ4P81',
  evm: '0xb67f0843947e33f372fdc37c3e5107a4bbdfb05c',
  tron: 'TVVFDrS9FwruXhTdBMYybLsVJRZwRxqDiY',
};

// The exchange's own deposit addresses (recipients).
const DEPOSIT_ADDRESS = {
  stacks: 'SP15RWSKC53G1H1182HZTNV027BCQAK6T753GW081',
  evm: '0x581105688c9edcfaa3ea3da93a5e2c84c9d77f04',
  tron: 'TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T',
};

const WATCHLIST_CSV = [
  '# integration-test watchlist',
  'address,chain,label,incident,source,severity,added_at,notes',
  `${LISTED.stacks},stacks,ALEX Lab exploiter,alex-lab-2024,ALEX Lab statement,high,2024-05-16,`,
  `${LISTED.evm},evm,ALEX Lab exploiter,alex-lab-2024,ALEX Lab statement,critical,2024-05-16,`,
  `${LISTED.tron},tron,"Known Lazarus TRON address, per ALEX",alex-lab-2024,ALEX Lab statement,high,2024-06-25,`,
  '',
].join('\n');

const ASSETS = {
  stacks: { chain: 'stacks', asset_symbol: 'STX', asset_contract: '', asset_decimals: 6 },
  ethereum: { chain: 'ethereum', asset_symbol: 'USDT', asset_contract: '0xdac17f958d2ee523a2206206994597c13d831ec7', asset_decimals: 6 },
  tron: { chain: 'tron', asset_symbol: 'USDT', asset_contract: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', asset_decimals: 6 },
};

const FAMILY = { stacks: 'stacks', ethereum: 'evm', tron: 'tron' };

function txIdFor(depositId) {
  return '0x' + crypto.createHash('sha256').update(`tx:${depositId}`).digest('hex');
}

// A canonical deposit event. `chain` is stacks | ethereum | tron; `from` is
// 'listed' (default), 'clean' or an address. Same arguments => same event
// (deterministic tx_id), as an exchange re-sending it would produce.
function deposit(depositId, { chain = 'stacks', from = 'listed', amount = '1500000', status = 'pending', ...extra } = {}) {
  const family = FAMILY[chain];
  const sender = from === 'listed' ? LISTED[family] : from === 'clean' ? CLEAN[family] : from;
  return {
    type: 'deposit',
    deposit_id: depositId,
    account_id: `u-${depositId}`,
    ...ASSETS[chain],
    network: 'mainnet',
    sender,
    deposit_address: DEPOSIT_ADDRESS[family],
    amount,
    tx_id: txIdFor(depositId),
    event_index: 0,
    block_height: 150000,
    status,
    timestamp: '2024-05-14T10:00:00Z',
    ...extra,
  };
}

// n listed deposits d-<prefix>-1 .. d-<prefix>-n
function listedDeposits(prefix, n, opts = {}) {
  return Array.from({ length: n }, (_, i) => deposit(`d-${prefix}-${i + 1}`, opts));
}

module.exports = { LISTED, CLEAN, DEPOSIT_ADDRESS, WATCHLIST_CSV, deposit, listedDeposits, txIdFor };
