'use strict';
// A scripted mempool.space-compatible websocket server on 127.0.0.1 (path
// /api/v1/ws), behaving as mempool/mempool's backend websocket-handler.ts does
// for what freezewatch's mempool_space source uses (wire-formats.md D):
//   {"action":"want","data":["blocks",...]}  -> wants `block` frames; answered with
//                                              {"blocks":[the latest 8 headers]} the first time
//   {"action":"ping"}                         -> {"pong":true}
//   {"track-addresses":[...]}                 -> replaces the connection's tracked set; more than
//       `maxTracked` addresses -> {"track-addresses-error":"too many addresses requested, this
//       connection supports tracking a maximum of N addresses"} and the connection tracks nothing
// and, on command from the test:
//   mempool(tx)  -> {"multi-address-transactions":{"<address as sent>":{"mempool":[tx],"confirmed":[],"removed":[]}}}
//                   to every connection tracking an input or output address of tx
//   remove(txid) -> the same with "removed":[tx] (evicted or replaced)
//   mine(txids)  -> the next block: to every connection, one frame with `block` (when it wants
//                   blocks), `mempool-blocks`, and the confirmed txs (status filled) of its addresses
//   reorg(depth, blocks) -> replaces the top `depth` blocks by a longer branch (new-block frames
//                   for each, then a `blocks` list, as handleReorg does)
//   dropClients() -> every connection terminated (no close frame)
//
// The first mined block is the recorded frame fixtures/bitcoin/mempool-space/tx02_ws_block.json
// (height 890448), so the chain starts at its parent (890447) with 8 derived blocks below.
// Transactions come from the recorded fixtures (tx01/tx02 RBF pair, mainnet_tx_cached) or
// are built by payment() in the same esplora shape.
//
// Every connection is recorded: {ws, url, messages (client messages, parsed), wantsBlocks,
// tracked (addresses as sent, or null), trackRequests, errors, closed, closeCode}.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { once } = require('node:events');
const { WebSocketServer } = require('ws');
const { waitFor } = require('./wait');

const WS_PATH = '/api/v1/ws';
const FIXTURES = path.join(process.env.FW_FIXTURES_DIR || path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures'), 'bitcoin', 'mempool-space');
const INITIAL_BLOCKS = 8;

function fixture(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
}

function sha256(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

// mempool's testAddress(): bech32 in lower case, base58 as is.
function canonical(address) {
  return /^(bc1|tb1|bcrt1)/i.test(address) ? address.toLowerCase() : address;
}

function touched(tx) {
  const out = new Set();
  for (const i of tx.vin || []) if (i.prevout && i.prevout.scriptpubkey_address) out.add(canonical(i.prevout.scriptpubkey_address));
  for (const o of tx.vout || []) if (o.scriptpubkey_address) out.add(canonical(o.scriptpubkey_address));
  return out;
}

// An esplora transaction: inputs spending from `from` (addresses), outputs `to` ([address, sats]).
function payment({ label, from, to }) {
  const txid = sha256('fw-it-tx-' + label);
  return {
    txid,
    version: 2,
    locktime: 0,
    vin: from.map((a, i) => ({
      txid: sha256(`fw-it-prev-${label}-${i}`),
      vout: i,
      prevout: { scriptpubkey: '', scriptpubkey_asm: '', scriptpubkey_type: a.startsWith('bc1') ? 'v0_p2wpkh' : 'p2pkh', scriptpubkey_address: a, value: 100000 + i },
      scriptsig: '',
      scriptsig_asm: '',
      is_coinbase: false,
      sequence: 4294967293,
    })),
    vout: to.map(([a, v]) => ({ scriptpubkey: '', scriptpubkey_asm: '', scriptpubkey_type: a.startsWith('bc1') ? 'v0_p2wpkh' : 'p2pkh', scriptpubkey_address: a, value: v })),
    size: 200,
    weight: 800,
    fee: 500,
    status: { confirmed: false },
    firstSeen: 1743541407,
  };
}

class MempoolSpaceServer {
  constructor({ maxTracked = 100 } = {}) {
    this.maxTracked = maxTracked;
    this.connections = [];
    this.sent = []; // {what, ...} for failure reports
    this.mempoolTxs = new Map(); // txid -> tx
    this.confirmedTxs = new Map(); // txid -> tx (with status)
    this.port = 0;
    const tip = fixture('tx02_ws_block.json').block;
    this.fixtureBlock = tip;
    // The chain below the fixture block: derived headers linked by hash, the
    // last one being the fixture block's recorded parent.
    this.chain = [];
    const first = tip.height - INITIAL_BLOCKS;
    let prev = sha256('fw-it-block-' + (first - 1));
    for (let h = first; h < tip.height; ++h) {
      const id = h === tip.height - 1 ? tip.previousblockhash : sha256('fw-it-block-' + h);
      this.chain.push(this.header(id, h, prev));
      prev = id;
    }
    this.branch = 0; // bumps block ids after a reorg
  }

  header(id, height, previousblockhash) {
    return { id, height, version: 536870912, timestamp: 1743541850 + (height - 890448) * 600, tx_count: 1, size: 250, weight: 1000, previousblockhash, mediantime: 1743537197, stale: false, extras: { reward: 312500000 } };
  }

  get tip() {
    return this.chain[this.chain.length - 1];
  }

  async start(port = this.port) {
    this.http = http.createServer((req, res) => res.writeHead(426).end());
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    this.http.on('upgrade', (req, socket, head) => {
      if (!req.url.startsWith(WS_PATH)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    });
    this.http.listen(port, '127.0.0.1');
    await once(this.http, 'listening');
    this.port = this.http.address().port;
    return this;
  }

  get url() {
    return `ws://127.0.0.1:${this.port}${WS_PATH}`;
  }

  onConnection(ws, req) {
    const conn = { ws, url: req.url, messages: [], wantsBlocks: false, tracked: null, trackRequests: 0, errors: 0, openedAt: Date.now(), closed: false, closeCode: null };
    this.connections.push(conn);
    ws.on('message', (data, isBinary) => {
      let msg;
      try {
        msg = JSON.parse(data.toString('utf8'));
      } catch {
        conn.messages.push(String(data));
        return;
      }
      conn.messages.push(msg);
      const response = {};
      if (msg.action === 'want' && Array.isArray(msg.data)) {
        const wants = msg.data.includes('blocks');
        if (wants && !conn.wantsBlocks) response.blocks = this.chain.slice(-INITIAL_BLOCKS);
        conn.wantsBlocks = wants;
      }
      if (msg.action === 'ping') response.pong = true;
      if (Array.isArray(msg['track-addresses'])) {
        conn.trackRequests += 1;
        const map = new Map();
        for (const a of msg['track-addresses']) if (typeof a === 'string' && a.length > 0) map.set(a, canonical(a));
        if (map.size > this.maxTracked) {
          response['track-addresses-error'] = `too many addresses requested, this connection supports tracking a maximum of ${this.maxTracked} addresses`;
          conn.tracked = null;
          conn.errors += 1;
        } else {
          conn.tracked = map.size > 0 ? map : null;
        }
      }
      if (Object.keys(response).length > 0) ws.send(JSON.stringify(response));
    });
    ws.on('close', (code) => {
      conn.closed = true;
      conn.closeCode = code;
    });
    ws.on('error', () => {});
  }

  open() {
    return this.connections.filter((c) => !c.closed && c.ws.readyState === c.ws.OPEN);
  }

  // Canonical addresses tracked by open connections.
  trackedAddresses() {
    const out = new Set();
    for (const c of this.open()) if (c.tracked) for (const k of c.tracked.values()) out.add(k);
    return out;
  }

  // Waits until every address in `addresses` is tracked by an open connection
  // (and, with `connections`, exactly that many connections are open).
  async waitForTracked(addresses, { connections, timeout = 10000 } = {}) {
    const want = addresses.map(canonical);
    await waitFor(
      () => want.every((a) => this.trackedAddresses().has(a)) && (connections === undefined || this.open().length === connections),
      { timeout, what: `tracked ${want.length} addresses${connections !== undefined ? ` on ${connections} connections` : ''} (tracked ${this.trackedAddresses().size} on ${this.open().length} open connections)` },
    );
  }

  async sendTo(conn, obj) {
    await new Promise((resolve) => conn.ws.send(JSON.stringify(obj), () => resolve()));
  }

  // The per-address lists of one connection for `txs` (only addresses it tracks).
  addressMap(conn, txs, list) {
    if (!conn.tracked) return null;
    const map = {};
    for (const [asSent, key] of conn.tracked) {
      const hits = txs.filter((tx) => touched(tx).has(key));
      if (hits.length) map[asSent] = { mempool: [], confirmed: [], removed: [], [list]: hits };
    }
    return Object.keys(map).length ? map : null;
  }

  async notifyTxs(txs, list) {
    let n = 0;
    for (const c of this.open()) {
      const map = this.addressMap(c, txs, list);
      if (!map) continue;
      await this.sendTo(c, { 'multi-address-transactions': map });
      n += 1;
    }
    this.sent.push({ what: list, txids: txs.map((t) => t.txid), connections: n });
    return n;
  }

  // A transaction enters the mempool.
  mempool(tx) {
    const copy = JSON.parse(JSON.stringify(tx));
    copy.status = { confirmed: false };
    this.mempoolTxs.set(copy.txid, copy);
    return this.notifyTxs([copy], 'mempool');
  }

  // A transaction leaves the mempool without confirming (evicted, replaced).
  remove(txid) {
    const tx = this.mempoolTxs.get(txid);
    if (!tx) throw new Error(`mempool server: ${txid} is not in the mempool`);
    this.mempoolTxs.delete(txid);
    return this.notifyTxs([tx], 'removed');
  }

  nextHeader() {
    const height = this.tip.height + 1;
    if (height === this.fixtureBlock.height && this.branch === 0 && this.tip.id === this.fixtureBlock.previousblockhash) return JSON.parse(JSON.stringify(this.fixtureBlock));
    return this.header(sha256(`fw-it-block-${height}-${this.branch}`), height, this.tip.id);
  }

  // Mines the next block with these mempool txids (or tx objects); returns its header.
  async mine(txs = [], { notify = true } = {}) {
    const block = this.nextHeader();
    const confirmed = txs.map((t) => {
      const tx = JSON.parse(JSON.stringify(typeof t === 'string' ? this.mempoolTxs.get(t) || this.confirmedTxs.get(t) : t));
      if (!tx || !tx.txid) throw new Error(`mempool server: unknown tx ${t}`);
      this.mempoolTxs.delete(tx.txid);
      tx.status = { confirmed: true, block_height: block.height, block_hash: block.id, block_time: block.timestamp };
      this.confirmedTxs.set(tx.txid, tx);
      return tx;
    });
    block.tx_count = 1 + confirmed.length;
    this.chain.push(block);
    if (notify) await this.announce(block, confirmed);
    return block;
  }

  async announce(block, confirmed) {
    let n = 0;
    for (const c of this.open()) {
      const response = {};
      if (c.wantsBlocks) {
        response.block = block;
        response['mempool-blocks'] = [];
      }
      const map = this.addressMap(c, confirmed, 'confirmed');
      if (map) response['multi-address-transactions'] = map;
      if (Object.keys(response).length === 0) continue;
      await this.sendTo(c, response);
      n += 1;
    }
    this.sent.push({ what: 'block', height: block.height, id: block.id, txids: confirmed.map((t) => t.txid), connections: n });
  }

  async mineEmpty(n) {
    for (let i = 0; i < n; ++i) await this.mine([]);
    return this.tip;
  }

  // Replaces the top `depth` blocks by `txsPerBlock.length` (> depth) new ones.
  async reorg(depth, txsPerBlock) {
    if (txsPerBlock.length <= depth) throw new Error('a reorg branch must be longer than what it replaces');
    this.chain.splice(this.chain.length - depth, depth);
    this.branch += 1;
    for (const txs of txsPerBlock) await this.mine(txs);
    for (const c of this.open()) if (c.wantsBlocks) await this.sendTo(c, { blocks: this.chain.slice(-INITIAL_BLOCKS) });
    this.sent.push({ what: 'reorg', depth, tip: this.tip.height });
  }

  // Terminates every websocket client at once (no close frame).
  dropClients() {
    const open = this.open();
    for (const c of open) c.ws.terminate();
    return open.length;
  }

  async stop() {
    if (!this.http) return;
    for (const c of this.connections) if (!c.closed) c.ws.terminate();
    const server = this.http;
    this.http = null;
    await new Promise((resolve) => this.wss.close(() => resolve()));
    const closed = new Promise((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

module.exports = { MempoolSpaceServer, fixture, payment, canonical, WS_PATH };
