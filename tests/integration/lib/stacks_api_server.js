'use strict';
// A scripted Stacks Blockchain API (Hiro) on 127.0.0.1, one port for both:
//   websocket JSON-RPC 2.0 at /extended/v1/ws (methods subscribe / unsubscribe,
//     params.event; notifications {"jsonrpc":"2.0","method":"block"|"mempool","params":...}),
//   REST over plain node http:
//     GET /extended/v2/blocks?limit=N&offset=M        newest first ({limit, offset, total, results})
//     GET /extended/v2/blocks/{height|hash}           one block, 404 when not (yet) published
//     GET /extended/v2/blocks/{height}/transactions?limit=&offset=
//     GET /extended/v1/tx/events?tx_id=&limit=&offset=   ({limit, offset, events})
// serving a chain derived from a recorded event-observer TSV (lib/stacks_fixture.js).
//
// The chain is published up to `tip`; produce() publishes the next block and
// notifies every connection subscribed to `block` (the REST view changes
// first, as in the real API, which notifies after its DB write). The test
// scripts faults: drop the websocket clients (terminate, no close frame),
// refuse new websocket upgrades for a while, fail REST calls (status,
// Retry-After), slow every REST answer, cap page sizes (to force paging),
// replace a block by a sibling (a fork: announced, or visible over REST only).
//
// It records every websocket connection ({url, headers, messages (parsed
// client requests), subscriptions, closed, closeCode}) and every REST request
// ({path, query, headers, status, at}). `connections` and `sent` keep the
// Feed's shape, so failure reports can print them the same way.

const http = require('node:http');
const crypto = require('node:crypto');
const { once } = require('node:events');
const { WebSocketServer } = require('ws');
const { waitFor, sleep } = require('./wait');

const WS_PATH = '/extended/v1/ws';
const EVENTS = new Set(['block', 'microblock', 'mempool', 'tx_update', 'address_tx_update', 'address_balance_update',
  'nft_event', 'nft_asset_event', 'nft_collection_event']);

class StacksApiServer {
  // chain: loadChain(...) result; tip: the highest published height.
  constructor({ chain, tip, maxTxLimit = 50, maxEventLimit = 50 }) {
    this.chain = chain;
    this.tip = tip;
    this.maxTxLimit = maxTxLimit;
    this.maxEventLimit = maxEventLimit;
    this.restDelayMs = 0;
    this.refuseWs = false;        // answer upgrades with 503
    this.rejectSubscribe = false; // answer subscribe with a JSON-RPC error
    this.failures = [];           // [{match: RegExp, status, retryAfter, times}]
    this.connections = [];
    this.sent = [];               // notifications sent: {method, height|tx_id, conn}
    this.requests = [];
    this.port = 0;
    this.overrides = new Map(); // height -> block replacing the recorded one (forks)
  }

  // The block served at height h (a replacement when a fork was scripted).
  blockAt(h) {
    return this.overrides.get(h) || (this.chain.has(h) ? this.chain.block(h) : null);
  }

  // A fork: the block at `height` is replaced by a sibling (same parent, new
  // index hash) without the transactions `dropTxIds`; the next block, when
  // it exists, is relinked to it. With `notify`, the sibling is announced
  // (a Nakamoto tip replacement); otherwise only REST shows it. Returns the
  // replaced and the new block.
  async replaceBlock(height, { dropTxIds = [], notify = false } = {}) {
    const old = this.blockAt(height);
    if (!old) throw new Error(`stacks api: no block ${height} to replace`);
    const tag = (x) => '0x' + crypto.createHash('sha256').update(`fork:${x}`).digest('hex');
    const drop = new Set(dropTxIds);
    const header = { ...old.header, hash: tag(old.header.hash), index_block_hash: tag(old.header.index_block_hash) };
    const txs = old.txs.filter((t) => !drop.has(t.tx_id));
    header.tx_count = txs.length;
    const fork = {
      ...old,
      header,
      txs,
      notification: { ...old.notification, hash: header.hash, index_block_hash: header.index_block_hash, txs: txs.map((t) => t.tx_id) },
      eventsByTx: new Map([...old.eventsByTx].filter(([id]) => !drop.has(id))),
      transfers: old.transfers.filter((t) => !drop.has(t.tx_id)),
    };
    this.overrides.set(height, fork);
    const child = this.blockAt(height + 1);
    if (child) {
      const relink = (x) => ({ ...x, parent_block_hash: header.hash, parent_index_block_hash: header.index_block_hash });
      this.overrides.set(height + 1, { ...child, header: relink(child.header), notification: relink(child.notification) });
    }
    if (notify && height <= this.tip) await this.notify('block', fork.notification, { height });
    return { old, fork };
  }

  async start(port = this.port) {
    this.http = http.createServer((req, res) => this.handleRest(req, res));
    this.http.keepAliveTimeout = 30000;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    this.http.on('upgrade', (req, socket, head) => {
      if (!req.url.startsWith(WS_PATH) || this.refuseWs) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    });
    this.http.listen(port, '127.0.0.1');
    await once(this.http, 'listening');
    this.port = this.http.address().port;
    return this;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.port}${WS_PATH}`;
  }

  get apiUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  // ------------------------------------------------------------ websocket

  onConnection(ws, req) {
    const conn = { ws, url: req.url, headers: req.headers, messages: [], subscriptions: new Set(), openedAt: Date.now(), closed: false, closeCode: null };
    this.connections.push(conn);
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : data.toString('utf8');
      let msg;
      try {
        msg = JSON.parse(text);
      } catch {
        conn.messages.push(text);
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
        return;
      }
      conn.messages.push(msg);
      const answers = (Array.isArray(msg) ? msg : [msg]).map((m) => this.rpc(conn, m)).filter(Boolean);
      if (answers.length) ws.send(JSON.stringify(Array.isArray(msg) ? answers : answers[0]));
    });
    ws.on('close', (code) => {
      conn.closed = true;
      conn.closeCode = code;
    });
    ws.on('error', () => {});
  }

  rpc(conn, m) {
    if (!m || m.id === undefined) return null; // notifications from the client are ignored
    const fail = (code, message) => ({ jsonrpc: '2.0', id: m.id, error: { code, message } });
    if (m.method !== 'subscribe' && m.method !== 'unsubscribe') return fail(-32601, 'Method not found');
    const event = m.params && m.params.event;
    if (!event) return fail(-32602, 'subscription requests must include an event name');
    if (!EVENTS.has(event)) return fail(-32602, 'subscription request must use a valid event name');
    if (this.rejectSubscribe) return fail(-32603, 'scripted failure');
    if (m.method === 'subscribe') conn.subscriptions.add(event);
    else conn.subscriptions.delete(event);
    return { jsonrpc: '2.0', id: m.id, result: {} };
  }

  open() {
    return this.connections.filter((c) => !c.closed && c.ws.readyState === c.ws.OPEN);
  }

  // Subscribe requests for `event` seen on connection #n (1-based).
  subscribes(n, event) {
    const c = this.connections[n - 1];
    if (!c) return [];
    return c.messages.filter((m) => m && m.method === 'subscribe' && m.params && m.params.event === event);
  }

  async waitForSubscribed(n, events = ['block', 'mempool'], timeout = 10000) {
    await waitFor(() => this.connections.length >= n && events.every((e) => this.connections[n - 1].subscriptions.has(e)), {
      timeout, what: `connection #${n} subscribed to ${events.join(', ')} (have ${this.connections.length} connections)`,
    });
    return this.connections[n - 1];
  }

  async notify(method, params, label) {
    const targets = this.open().filter((c) => c.subscriptions.has(method));
    const text = JSON.stringify({ jsonrpc: '2.0', method, params });
    await Promise.all(targets.map((c) => new Promise((resolve) => c.ws.send(text, () => resolve()))));
    this.sent.push({ method, ...label, connections: targets.length });
    return targets.length;
  }

  // Publishes the next block (REST first), then notifies `block` subscribers.
  async produce(n = 1, { notify = true } = {}) {
    for (let i = 0; i < n; ++i) {
      if (!this.blockAt(this.tip + 1)) throw new Error(`stacks api: no block ${this.tip + 1} in ${this.chain.file}`);
      this.tip += 1;
      if (notify) await this.notify('block', this.blockAt(this.tip).notification, { height: this.tip });
    }
    return this.tip;
  }

  // Announces a mempool transaction (MempoolTransaction object).
  sendMempool(tx) {
    return this.notify('mempool', tx, { tx_id: tx.tx_id });
  }

  // Terminates every websocket client at once (no close frame).
  dropClients() {
    const open = this.open();
    for (const c of open) c.ws.terminate();
    return open.length;
  }

  // ------------------------------------------------------------ REST

  // The next `times` requests whose path+query match `match` answer `status`
  // (with Retry-After seconds when given) instead of the data.
  failNext(match, { status = 500, retryAfter, times = 1 } = {}) {
    this.failures.push({ match, status, retryAfter, times });
  }

  blockRequests() {
    return this.requests.filter((r) => /^\/extended\/v2\/blocks\/\d+$/.test(r.path)).map((r) => Number(r.path.split('/').pop()));
  }

  async handleRest(req, res) {
    const url = new URL(req.url, 'http://x');
    const rec = { method: req.method, path: url.pathname, query: url.search, headers: req.headers, status: 0, at: Date.now() };
    this.requests.push(rec);
    const reply = (status, body, headers = {}) => {
      rec.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    if (this.restDelayMs > 0) await sleep(this.restDelayMs);
    if (res.destroyed) return;
    const target = url.pathname + url.search;
    const f = this.failures.find((x) => x.times > 0 && x.match.test(target));
    if (f) {
      f.times -= 1;
      rec.failed = true;
      return reply(f.status, { error: `scripted ${f.status}` }, f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {});
    }
    if (req.method !== 'GET') return reply(405, { error: 'method not allowed' });
    const q = url.searchParams;
    const int = (name, def, max) => Math.min(max, Math.max(0, Number.parseInt(q.get(name) ?? def, 10) || 0));
    let m;
    if (url.pathname === '/extended/v2/blocks') {
      const limit = int('limit', 20, 30) || 1;
      const offset = int('offset', 0, 1e9);
      const results = [];
      for (let h = this.tip - offset; h >= this.chain.first && results.length < limit; --h) if (this.blockAt(h)) results.push(this.blockAt(h).header);
      return reply(200, { limit, offset, total: this.tip - this.chain.first + 1, results });
    }
    if ((m = /^\/extended\/v2\/blocks\/([^/]+)$/.exec(url.pathname))) {
      const b = this.lookup(m[1]);
      return b ? reply(200, b.header) : reply(404, { error: `cannot find block by height/hash ${m[1]}` });
    }
    if ((m = /^\/extended\/v2\/blocks\/([^/]+)\/transactions$/.exec(url.pathname))) {
      const b = this.lookup(m[1]);
      if (!b) return reply(404, { errors: 'Not Found', message: `cannot find block ${m[1]}` });
      const limit = int('limit', 20, this.maxTxLimit);
      const offset = int('offset', 0, 1e9);
      return reply(200, { limit, offset, total: b.txs.length, results: b.txs.slice(offset, offset + limit) });
    }
    if (url.pathname === '/extended/v1/tx/events') {
      const txId = q.get('tx_id');
      const limit = int('limit', 96, this.maxEventLimit);
      const offset = int('offset', 0, 1e9);
      let events = null;
      for (const h of this.chain.heights) {
        if (h > this.tip) break;
        const b = this.blockAt(h);
        if (b && b.txs.some((t) => t.tx_id === txId)) {
          events = b.eventsByTx.get(txId) || [];
          break;
        }
      }
      if (events === null) events = []; // the real API answers an empty list for unknown txids too
      return reply(200, { limit, offset, events: events.slice(offset, offset + limit) });
    }
    return reply(404, { error: 'not found' });
  }

  lookup(id) {
    if (/^\d+$/.test(id)) {
      const h = Number(id);
      return h <= this.tip ? this.blockAt(h) : null;
    }
    for (const h of this.chain.heights) {
      if (h > this.tip) break;
      const b = this.blockAt(h);
      if (b.header.hash === id || b.header.index_block_hash === id) return b;
    }
    return null;
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

module.exports = { StacksApiServer, WS_PATH };
