'use strict';
// Helpers for the stacks_node source tests: a stacks-node stand-in that POSTs
// event-observer bodies the way the node does (one keep-alive connection, one
// request at a time), an independent reading of /new_block bodies (which STX
// and FT transfers a block holds) and a small model of the canonical chain
// that says which transfers a replay must alert as confirmed or retracted.
//
// The model is deliberately simple and written from the wire format, not from
// the daemon's code: blocks link by index_block_hash / parent_index_block_hash;
// a block whose hash is known is a repeat; a block extending the tip extends
// it; a block whose parent is an older canonical block replaces the blocks
// above its parent (Nakamoto: a tip at the same height is replaced); a block
// whose parent is unknown replaces the canonical blocks at its height and
// above. A transfer is confirmed once per stay on the canonical chain and
// retracted when its last block leaves the chain.

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { FIXTURES, readObserverTsv } = require('./stacks_fixture');

const OBSERVER_DIR = path.join(FIXTURES, 'stacks', 'event-observer');
const DERIVED_DIR = path.join(OBSERVER_DIR, 'derived');

function readDerived(name) {
  return JSON.parse(fs.readFileSync(path.join(DERIVED_DIR, name), 'utf8'));
}

// A stacks_node source entry for the daemon's config.
function nodeSourceConfig(name, port, overrides = {}) {
  return { name, type: 'stacks_node', listen: `127.0.0.1:${port}`, ...overrides };
}

// POSTs like a stacks-node [[events_observer]]: one connection, sequential.
class ObserverClient {
  constructor(port) {
    this.port = port;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  // body: string | Buffer | any JSON value. Resolves {status, body}.
  request(pathname, body, { method = 'POST', timeout = 10000 } = {}) {
    const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1', port: this.port, path: pathname, method, agent: this.agent, timeout,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  post(pathname, body) {
    return this.request(pathname, body);
  }

  // POSTs every line of a TSV in order; each must be answered 200.
  async replay(lines) {
    for (const [i, l] of lines.entries()) {
      const r = await this.post(l.path, l.body);
      if (r.status !== 200) throw new Error(`line ${i} ${l.path}: answered ${r.status} ${r.body}`);
    }
  }

  close() {
    this.agent.destroy();
  }
}

// ------------------------------------------------------------ block contents

const TRANSFER_TYPES = ['stx_transfer_event', 'ft_transfer_event'];

// Every STX / FT transfer event of a /new_block or /new_microblocks body, with
// whether it moved funds (committed and its transaction succeeded).
function transferEvents(body) {
  const status = new Map((body.transactions || []).map((t) => [t.txid, t.status]));
  const out = [];
  for (const e of body.events || []) {
    if (!TRANSFER_TYPES.includes(e.type)) continue;
    const d = e[e.type];
    out.push({
      txid: e.txid,
      eventIndex: e.event_index,
      type: e.type,
      asset: e.type === 'ft_transfer_event' ? d.asset_identifier : '',
      sender: d.sender,
      recipient: d.recipient,
      amount: String(d.amount),
      memo: d.memo || '',
      moved: e.committed !== false && status.get(e.txid) === 'success',
      committed: e.committed !== false,
    });
  }
  return out;
}

// The transfers that moved funds, each with its key: (txid, asset, sender,
// recipient, amount, n-th repeat of those within the tx).
function movedTransfers(body) {
  const seen = new Map();
  return transferEvents(body)
    .filter((t) => t.moved)
    .map((t) => {
      const base = [t.txid, t.asset, t.sender, t.recipient, t.amount].join('|');
      const n = seen.get(base) || 0;
      seen.set(base, n + 1);
      return { ...t, key: `${base}|${n}` };
    });
}

// The key of an alert's transfer without the occurrence (compare multisets).
function alertTransferKey(alert) {
  const t = alert.body.data.transfer;
  return [t.tx_id, t.asset.contract, t.senders[0], t.recipient, t.amount.base_units].join('|');
}

function keyWithoutOccurrence(key) {
  return key.slice(0, key.lastIndexOf('|'));
}

class ChainModel {
  constructor() {
    this.blocks = new Map(); // hash -> {height, parent, keys}
    this.canonical = []; // hashes, ascending
    this.live = new Set(); // keys on the canonical chain
    this.confirmed = []; // keys, once per confirmation
    this.retracted = []; // keys retracted by reorgs
    this.reorgs = 0;
  }

  tip() {
    return this.canonical.length ? this.blocks.get(this.canonical[this.canonical.length - 1]) : null;
  }

  addBlock(body) {
    const hash = body.index_block_hash;
    if (this.blocks.has(hash)) return 'duplicate';
    const block = { hash, height: body.block_height, parent: body.parent_index_block_hash, keys: movedTransfers(body).map((t) => t.key) };
    this.blocks.set(hash, block);
    const tip = this.tip();
    const before = this.canonical.slice();
    if (!tip || block.parent === tip.hash) {
      this.canonical.push(hash);
    } else {
      const at = this.canonical.indexOf(block.parent);
      if (at >= 0) {
        if (block.height < tip.height) throw new Error(`model: side block ${hash} below the tip is not modelled`);
        this.canonical.splice(at + 1);
      } else {
        this.canonical = this.canonical.filter((h) => this.blocks.get(h).height < block.height);
      }
      this.canonical.push(hash);
    }
    const orphaned = before.filter((h) => !this.canonical.includes(h));
    const now = new Set(this.canonical.flatMap((h) => this.blocks.get(h).keys));
    for (const k of this.live) if (!now.has(k)) this.retracted.push(k);
    for (const k of now) if (!this.live.has(k)) this.confirmed.push(k);
    this.live = now;
    if (orphaned.length) this.reorgs += 1;
    const kind = orphaned.length ? 'reorg' : 'applied';
    return kind;
  }
}

// --------------------------------------------------------------- watchlists

function watchlistCsv(addresses, label = 'fixture sender') {
  const rows = ['address,chain,label,incident,source,severity,added_at,notes'];
  for (const a of [...new Set(addresses)].sort()) rows.push(`${a},stacks,${label},stacks-it,fixtures,high,2024-05-16,`);
  return rows.join('\n') + '\n';
}

// Every STX / FT sender named in a TSV (moved or not).
function sendersOf(lines) {
  const out = new Set();
  for (const l of lines)
    if (l.path === '/new_block' || l.path === '/new_microblocks') for (const t of transferEvents(l.body)) out.add(t.sender);
  return out;
}

// A copy of a fixture block with new identity and transfers, for scripted forks.
// transfers: [{txid, sender, recipient, amount, memo}] (STX transfers).
function scriptedBlock(template, { height, hash, parent, transfers }) {
  const b = JSON.parse(JSON.stringify(template));
  const tx0 = b.transactions[0];
  b.block_height = height;
  b.index_block_hash = hash;
  b.parent_index_block_hash = parent;
  b.block_hash = '0x' + hash.slice(2).split('').reverse().join('');
  b.transactions = transfers.map((t, i) => ({ ...tx0, txid: t.txid, tx_index: i, status: t.status || 'success' }));
  b.events = transfers.map((t, i) => ({
    committed: true,
    event_index: i,
    stx_transfer_event: { amount: String(t.amount), memo: t.memo || '', recipient: t.recipient, sender: t.sender },
    txid: t.txid,
    type: 'stx_transfer_event',
  }));
  return b;
}

// "0x" + 64 hex digits derived from a label (stable across runs).
function hash32(label) {
  return '0x' + require('node:crypto').createHash('sha256').update(label).digest('hex');
}

module.exports = {
  OBSERVER_DIR,
  readObserverTsv,
  readDerived,
  nodeSourceConfig,
  ObserverClient,
  transferEvents,
  movedTransfers,
  alertTransferKey,
  keyWithoutOccurrence,
  ChainModel,
  watchlistCsv,
  sendersOf,
  scriptedBlock,
  hash32,
};
