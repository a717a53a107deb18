'use strict';
// Recorded stacks-node event-observer traffic (../shared/fixtures/stacks/
// event-observer/*.tsv: id<TAB>time<TAB>path<TAB>json-body per POST), turned
// into what the Hiro Stacks API serves for the same chain: v2 blocks,
// transactions and /extended/v1/tx/events events, the v1 `block` websocket
// notification, and mempool transactions decoded from the raw SIP-005 bytes.
// The field names follow ../shared/fixtures/stacks/hiro-api/examples/.
//
// Also the plain facts a test asserts against: which STX / FT transfers each
// block holds (successful transactions, committed events only).
//
// Conversion notes (what the real API does that we mirror):
//   * block `hash` is the block hash, `index_block_hash` / `parent_index_block_hash`
//     link the chain; heights keep the fixture's numbering.
//   * a duplicate /new_block (same index_block_hash) is kept once.
//   * events keep the node's event_index; events with committed:false are
//     not served (the API stores only what happened).
//   * STX memos are served with a 0x prefix (the node sends hex without it).

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const FIXTURES = process.env.FW_FIXTURES_DIR || path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures');
const OBSERVER_DIR = path.join(FIXTURES, 'stacks', 'event-observer');

// ---------------------------------------------------------------- TSV

function readObserverTsv(file) {
  const full = path.isAbsolute(file) ? file : path.join(OBSERVER_DIR, file);
  const out = [];
  for (const line of fs.readFileSync(full, 'utf8').split('\n')) {
    if (line === '') continue;
    const parts = line.split('\t');
    if (parts.length < 4) throw new Error(`${full}: not id<TAB>time<TAB>path<TAB>body: ${line.slice(0, 80)}`);
    out.push({ id: parts[0], time: parts[1], path: parts[2], body: JSON.parse(parts.slice(3).join('\t')) });
  }
  return out;
}

// ---------------------------------------------------------------- c32check

const C32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function c32encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = bytes.length ? BigInt('0x' + Buffer.from(bytes).toString('hex')) : 0n;
  let digits = '';
  while (n > 0n) {
    digits = C32[Number(n & 31n)] + digits;
    n >>= 5n;
  }
  return '0'.repeat(zeros) + digits;
}

function c32address(version, hash160) {
  const payload = Buffer.concat([Buffer.from([version]), hash160]);
  const check = crypto.createHash('sha256').update(crypto.createHash('sha256').update(payload).digest()).digest().subarray(0, 4);
  return 'S' + C32[version] + c32encode(Buffer.concat([hash160, check]));
}

// ---------------------------------------------------------------- SIP-005

class Reader {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }
  need(n) {
    if (this.pos + n > this.buf.length) throw new Error(`raw tx: need ${n} bytes at offset ${this.pos}`);
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16() {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n) {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  name() {
    return this.bytes(this.u8()).toString('latin1');
  }
}

function principalText(r) {
  const kind = r.u8();
  const version = r.u8();
  const addr = c32address(version, r.bytes(20));
  if (kind === 0x05) return addr;
  if (kind === 0x06) return `${addr}.${r.name()}`;
  throw new Error(`raw tx: not a principal (0x${kind.toString(16)})`);
}

// Skips one Clarity value; returns its bytes.
function clarityValue(r, depth = 0) {
  if (depth > 64) throw new Error('raw tx: Clarity value too deep');
  const start = r.pos;
  const type = r.u8();
  switch (type) {
    case 0x00: case 0x01: r.bytes(16); break;
    case 0x02: case 0x0d: case 0x0e: r.bytes(r.u32()); break;
    case 0x03: case 0x04: case 0x09: break;
    case 0x05: r.bytes(21); break;
    case 0x06: r.bytes(21); r.name(); break;
    case 0x07: case 0x08: case 0x0a: clarityValue(r, depth + 1); break;
    case 0x0b: for (let n = r.u32(); n > 0; --n) clarityValue(r, depth + 1); break;
    case 0x0c: for (let n = r.u32(); n > 0; --n) { r.name(); clarityValue(r, depth + 1); } break;
    default: throw new Error(`raw tx: unknown Clarity type 0x${type.toString(16)} at ${start}`);
  }
  return r.buf.subarray(start, r.pos);
}

function clarityRepr(bytes) {
  const r = new Reader(bytes);
  const t = bytes[0];
  if (t === 0x01) return 'u' + BigInt('0x' + bytes.subarray(1, 17).toString('hex')).toString();
  if (t === 0x05 || t === 0x06) return "'" + principalText(r);
  if (t === 0x09) return 'none';
  return '0x' + bytes.toString('hex');
}

function spendingCondition(r, txVersion) {
  const hashMode = r.u8();
  const signer = r.bytes(20);
  const nonce = r.u64();
  const fee = r.u64();
  if (hashMode === 0x00 || hashMode === 0x02) {
    r.u8();
    r.bytes(65);
  } else if (hashMode === 0x01 || hashMode === 0x03 || hashMode === 0x05 || hashMode === 0x07) {
    for (let n = r.u32(); n > 0; --n) {
      const field = r.u8();
      r.bytes(field <= 0x01 ? 33 : 65);
    }
    r.u16();
  } else {
    throw new Error(`raw tx: unknown hash mode ${hashMode}`);
  }
  const mainnet = (txVersion & 0x80) === 0;
  const version = hashMode === 0x00 ? (mainnet ? 22 : 26) : mainnet ? 20 : 21;
  return { hashMode, address: c32address(version, signer), nonce, fee };
}

function postConditionPrincipal(r) {
  const kind = r.u8();
  if (kind === 0x01) return;
  r.u8();
  r.bytes(20);
  if (kind === 0x03) r.name();
}

const TX_TYPES = {
  0x00: 'token_transfer', 0x01: 'smart_contract', 0x02: 'contract_call', 0x03: 'poison_microblock',
  0x04: 'coinbase', 0x05: 'coinbase', 0x06: 'smart_contract', 0x07: 'tenure_change', 0x08: 'coinbase',
};

// Raw transaction hex (with or without 0x) -> the fields the Hiro API shows.
function decodeRawTx(hex) {
  const buf = Buffer.from(hex.replace(/^0x/, ''), 'hex');
  const r = new Reader(buf);
  const version = r.u8();
  r.u32(); // chain id
  const authType = r.u8();
  const origin = spendingCondition(r, version);
  let sponsor = null;
  if (authType === 0x05) sponsor = spendingCondition(r, version);
  const anchorMode = r.u8();
  const pcMode = r.u8();
  for (let n = r.u32(); n > 0; --n) {
    const kind = r.u8();
    postConditionPrincipal(r);
    if (kind === 0x01 || kind === 0x02) { r.bytes(21); r.name(); r.name(); }
    if (kind === 0x02) clarityValue(r);
    r.u8();
    if (kind !== 0x02) r.u64();
  }
  const payloadType = r.u8();
  const tx = {
    txid: '0x' + crypto.createHash('sha512-256').update(buf).digest('hex'),
    sender: origin.address,
    nonce: Number(origin.nonce),
    fee: (sponsor ? sponsor.fee : origin.fee).toString(),
    sponsored: sponsor !== null,
    anchorMode: { 1: 'on_chain_only', 2: 'off_chain_only', 3: 'any' }[anchorMode] || 'any',
    postConditionMode: pcMode === 0x01 ? 'allow' : 'deny',
    txType: TX_TYPES[payloadType] || 'coinbase',
  };
  if (payloadType === 0x00) {
    tx.tokenTransfer = { recipient: principalText(r), amount: r.u64().toString(), memo: '0x' + r.bytes(34).toString('hex') };
  } else if (payloadType === 0x02) {
    const version = r.u8();
    const contract = `${c32address(version, r.bytes(20))}.${r.name()}`;
    const functionName = r.name();
    const args = [];
    for (let n = r.u32(); n > 0; --n) args.push(clarityValue(r));
    tx.contractCall = { contractId: contract, functionName, args };
  }
  return tx;
}

// ---------------------------------------------------------------- Hiro shapes

const iso = (secs) => new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, '.000Z');

function payloadFields(d) {
  if (d.tokenTransfer) {
    return { token_transfer: { recipient_address: d.tokenTransfer.recipient, amount: d.tokenTransfer.amount, memo: d.tokenTransfer.memo } };
  }
  if (d.contractCall) {
    const names = ['amount', 'sender', 'recipient', 'memo'];
    return {
      contract_call: {
        contract_id: d.contractCall.contractId,
        function_name: d.contractCall.functionName,
        function_signature: '',
        function_args: d.contractCall.args.map((a, i) => ({
          hex: '0x' + Buffer.from(a).toString('hex'),
          repr: clarityRepr(Buffer.from(a)),
          name: d.contractCall.functionName === 'transfer' ? names[i] || `arg${i}` : `arg${i}`,
          type: '',
        })),
      },
    };
  }
  if (d.txType === 'coinbase') return { coinbase_payload: { data: '0x' + '00'.repeat(32) } };
  return {};
}

// A mempool transaction (MempoolTransaction) for a raw tx.
function mempoolTransaction(rawHex, { receiptTime = 1710344000 } = {}) {
  const d = decodeRawTx(rawHex);
  return {
    tx_id: d.txid,
    nonce: d.nonce,
    fee_rate: d.fee,
    sender_address: d.sender,
    sponsored: d.sponsored,
    post_condition_mode: d.postConditionMode,
    post_conditions: [],
    anchor_mode: d.anchorMode,
    tx_status: 'pending',
    receipt_time: receiptTime,
    receipt_time_iso: iso(receiptTime),
    tx_type: d.txType,
    ...payloadFields(d),
  };
}

function hiroEvent(e) {
  const base = { event_index: e.event_index, tx_id: e.txid };
  const body = e[e.type] || {};
  switch (e.type) {
    case 'stx_transfer_event': {
      const asset = { asset_event_type: 'transfer', sender: body.sender, recipient: body.recipient, amount: String(body.amount) };
      if (body.memo !== undefined && body.memo !== '') asset.memo = '0x' + body.memo;
      return { ...base, event_type: 'stx_asset', asset };
    }
    case 'stx_mint_event':
      return { ...base, event_type: 'stx_asset', asset: { asset_event_type: 'mint', sender: '', recipient: body.recipient, amount: String(body.amount) } };
    case 'stx_burn_event':
      return { ...base, event_type: 'stx_asset', asset: { asset_event_type: 'burn', sender: body.sender, recipient: '', amount: String(body.amount) } };
    case 'stx_lock_event':
      return {
        ...base, event_type: 'stx_lock',
        stx_lock_event: { locked_amount: String(body.locked_amount), unlock_height: Number(body.unlock_height), locked_address: body.locked_address },
      };
    case 'ft_transfer_event':
    case 'ft_mint_event':
    case 'ft_burn_event':
      return {
        ...base, event_type: 'fungible_token_asset',
        asset: {
          asset_event_type: e.type.slice(3, -6), asset_id: body.asset_identifier,
          sender: body.sender || '', recipient: body.recipient || '', amount: String(body.amount),
        },
      };
    case 'nft_transfer_event':
    case 'nft_mint_event':
    case 'nft_burn_event':
      return {
        ...base, event_type: 'non_fungible_token_asset',
        asset: {
          asset_event_type: e.type.slice(4, -6), asset_id: body.asset_identifier,
          sender: body.sender || '', recipient: body.recipient || '', value: { hex: body.raw_value || '0x', repr: '' },
        },
      };
    case 'contract_event':
      return {
        ...base, event_type: 'smart_contract_log',
        contract_log: { contract_id: body.contract_identifier, topic: body.topic, value: { hex: body.raw_value || '0x', repr: '' } },
      };
    default:
      return null;
  }
}

// One /new_block body -> everything the API serves about that block.
function hiroBlock(nb) {
  const blockTime = nb.block_time ?? nb.burn_block_time;
  const committed = (nb.events || []).filter((e) => e.committed !== false);
  const eventsByTx = new Map();
  for (const e of committed) {
    const h = hiroEvent(e);
    if (!h) continue;
    if (!eventsByTx.has(e.txid)) eventsByTx.set(e.txid, []);
    eventsByTx.get(e.txid).push(h);
  }
  for (const list of eventsByTx.values()) list.sort((a, b) => a.event_index - b.event_index);

  const header = {
    canonical: true,
    height: nb.block_height,
    hash: nb.block_hash,
    block_time: blockTime,
    block_time_iso: iso(blockTime),
    tenure_height: nb.tenure_height ?? nb.block_height,
    index_block_hash: nb.index_block_hash,
    parent_block_hash: nb.parent_block_hash,
    parent_index_block_hash: nb.parent_index_block_hash,
    burn_block_time: nb.burn_block_time,
    burn_block_time_iso: iso(nb.burn_block_time),
    burn_block_hash: nb.burn_block_hash,
    burn_block_height: nb.burn_block_height,
    miner_txid: nb.miner_txid,
    tx_count: nb.transactions.length,
    execution_cost_read_count: 0,
    execution_cost_read_length: 0,
    execution_cost_runtime: 0,
    execution_cost_write_count: 0,
    execution_cost_write_length: 0,
  };
  const ordered = [...nb.transactions].sort((a, b) => a.tx_index - b.tx_index);
  const txs = ordered.map((t) => {
    let d;
    try {
      d = t.raw_tx && t.raw_tx !== '0x00' ? decodeRawTx(t.raw_tx) : null;
    } catch {
      d = null;
    }
    const events = eventsByTx.get(t.txid) || [];
    return {
      tx_id: t.txid,
      nonce: d ? d.nonce : 0,
      fee_rate: d ? d.fee : '0',
      sender_address: d ? d.sender : '',
      sponsored: d ? d.sponsored : false,
      post_condition_mode: d ? d.postConditionMode : 'deny',
      post_conditions: [],
      anchor_mode: d ? d.anchorMode : 'any',
      is_unanchored: false,
      block_hash: nb.block_hash,
      parent_block_hash: nb.parent_block_hash,
      block_height: nb.block_height,
      block_time: blockTime,
      block_time_iso: iso(blockTime),
      burn_block_time: nb.burn_block_time,
      burn_block_time_iso: iso(nb.burn_block_time),
      canonical: true,
      tx_index: t.tx_index,
      tx_status: t.status,
      tx_result: { hex: t.raw_result || '0x', repr: '' },
      microblock_hash: '',
      microblock_sequence: 2147483647,
      microblock_canonical: true,
      event_count: events.length,
      events: [],
      execution_cost_read_count: 0,
      execution_cost_read_length: 0,
      execution_cost_runtime: 0,
      execution_cost_write_count: 0,
      execution_cost_write_length: 0,
      tx_type: d ? d.txType : 'coinbase',
      ...(d ? payloadFields(d) : {}),
    };
  });
  // The v1 Block the `block` websocket notification carries.
  const notification = {
    ...header,
    parent_microblock_hash: nb.parent_microblock || '0x' + '00'.repeat(32),
    parent_microblock_sequence: nb.parent_microblock_sequence ?? 0,
    txs: txs.map((t) => t.tx_id),
    microblocks_accepted: [],
    microblocks_streamed: [],
    microblock_tx_count: {},
  };
  delete notification.tx_count;

  // Transfers that moved (successful tx, committed event).
  const ok = new Set(nb.transactions.filter((t) => t.status === 'success').map((t) => t.txid));
  const transfers = [];
  for (const e of committed) {
    if (!ok.has(e.txid)) continue;
    if (e.type === 'stx_transfer_event') {
      const b = e.stx_transfer_event;
      transfers.push({ tx_id: e.txid, event_index: e.event_index, asset: '', sender: b.sender, recipient: b.recipient, amount: String(b.amount), memo: b.memo || '' });
    } else if (e.type === 'ft_transfer_event') {
      const b = e.ft_transfer_event;
      transfers.push({ tx_id: e.txid, event_index: e.event_index, asset: b.asset_identifier, sender: b.sender, recipient: b.recipient, amount: String(b.amount), memo: '' });
    }
  }
  return { height: nb.block_height, header, notification, txs, eventsByTx, transfers, raw: nb };
}

// The chain a TSV records: its /new_block bodies in order, each distinct
// block once, keyed by height (the first block seen at a height wins).
function loadChain(file) {
  const rows = readObserverTsv(file);
  const seen = new Set();
  const byHeight = new Map();
  for (const row of rows) {
    if (row.path !== '/new_block') continue;
    if (seen.has(row.body.index_block_hash)) continue;
    seen.add(row.body.index_block_hash);
    if (byHeight.has(row.body.block_height)) continue;
    byHeight.set(row.body.block_height, hiroBlock(row.body));
  }
  const heights = [...byHeight.keys()].sort((a, b) => a - b);
  return {
    file,
    heights,
    first: heights[0],
    last: heights[heights.length - 1],
    block: (h) => byHeight.get(h),
    has: (h) => byHeight.has(h),
    // Raw transaction hex of a txid, from the block that includes it.
    rawTx(txid) {
      for (const b of byHeight.values()) {
        const t = b.raw.transactions.find((x) => x.txid === txid);
        if (t) return t.raw_tx;
      }
      return null;
    },
    // Transfers in heights [from, to] with `address` as sender or recipient:
    // [{..., height, direction}] (a transfer to and from it appears twice).
    transfersOf(address, from, to) {
      const out = [];
      for (const h of heights) {
        if (h < from || h > to) continue;
        for (const t of byHeight.get(h).transfers) {
          if (t.sender === address) out.push({ ...t, height: h, direction: 'from' });
          if (t.recipient === address) out.push({ ...t, height: h, direction: 'to' });
        }
      }
      return out;
    },
  };
}

module.exports = { readObserverTsv, loadChain, decodeRawTx, mempoolTransaction, c32address, hiroBlock, FIXTURES };
