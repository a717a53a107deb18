'use strict';
// A scripted EVM JSON-RPC websocket node, for what real dev nodes never do:
// anvil, ganache and hardhat never send `removed: true` logs. It keeps a
// small chain (blocks with Transfer logs), answers the calls freezewatch's
// evm source makes (eth_chainId, eth_subscribe, eth_blockNumber,
// eth_getBlockByNumber/ByHash, eth_getLogs by range or block hash) and lets
// the test mine blocks, replace the tip silently (no newHeads) and send
// removed:true log notifications. Headers carry no logsBloom, so the source
// always fetches logs.

const http = require('node:http');
const crypto = require('node:crypto');
const { once } = require('node:events');
const { WebSocketServer } = require('ws');

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const hex = (n) => '0x' + BigInt(n).toString(16);
const hash32 = (label) => '0x' + crypto.createHash('sha256').update(String(label)).digest('hex');
const word = (v) => BigInt(v).toString(16).padStart(64, '0');
const topicAddress = (a) => '0x' + a.toLowerCase().replace(/^0x/, '').padStart(64, '0');

class FakeEvmNode {
  constructor({ chainId = 1337 } = {}) {
    this.chainId = chainId;
    this.chain = []; // canonical blocks, index = number
    this.subs = new Map(); // id -> {ws, kind}
    this.requests = []; // {method, params}
    this.nextSub = 1;
    this.salt = 0;
  }

  async start() {
    this.http = http.createServer();
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on('connection', (ws) => {
      ws.on('message', (data) => this.onMessage(ws, String(data)));
      ws.on('close', () => {
        for (const [id, s] of this.subs) if (s.ws === ws) this.subs.delete(id);
      });
    });
    this.http.listen(0, '127.0.0.1');
    await once(this.http, 'listening');
    this.port = this.http.address().port;
    if (this.chain.length === 0) this.pushBlock([]); // genesis
    return this;
  }

  async stop() {
    for (const c of this.wss.clients) c.terminate();
    await new Promise((r) => this.wss.close(() => r()));
    await new Promise((r) => this.http.close(() => r()));
  }

  get url() {
    return `ws://127.0.0.1:${this.port}`;
  }

  get wsUrl() {
    return this.url;
  }

  get tip() {
    return this.chain[this.chain.length - 1];
  }

  // A Transfer log (block fields are filled in when its block is made).
  static transferLog(token, from, to, value, txHash) {
    return { address: token.toLowerCase(), topics: [TRANSFER_TOPIC, topicAddress(from), topicAddress(to)], data: '0x' + word(value), transactionHash: txHash };
  }

  pushBlock(logs, parentHash = this.tip ? this.tip.hash : hash32('parent of genesis')) {
    const number = this.chain.length;
    const hash = hash32(`block ${number} ${++this.salt}`);
    const block = {
      number, hash, parentHash, timestamp: 1700000000 + number * 12,
      logs: logs.map((l, i) => ({ ...l, blockNumber: hex(number), blockHash: hash, transactionIndex: '0x0', logIndex: hex(i), removed: false })),
    };
    this.chain.push(block);
    return block;
  }

  header(b) {
    return { number: hex(b.number), hash: b.hash, parentHash: b.parentHash, timestamp: hex(b.timestamp), transactions: [...new Set(b.logs.map((l) => l.transactionHash))] };
  }

  notify(kind, result) {
    for (const [id, s] of this.subs)
      if (s.kind === kind) s.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: id, result } }));
  }

  // A new block on the tip, announced like a node does (newHeads, then its logs).
  mine(logs = []) {
    const b = this.pushBlock(logs);
    this.notify('newHeads', this.header(b));
    for (const l of b.logs) this.notify('logs', l);
    return b;
  }

  // Replaces the tip by another block at the same height WITHOUT any
  // newHeads; returns the old block.
  replaceTipSilently(logs = []) {
    const old = this.chain.pop();
    this.pushBlock(logs, old.parentHash);
    return old;
  }

  // The node's word that `block`'s logs left the canonical chain.
  sendRemoved(block) {
    for (const l of block.logs) this.notify('logs', { ...l, removed: true });
  }

  answer(method, params) {
    const byNumber = (q) => this.chain[Number(BigInt(q))] || null;
    const byHash = (h) => this.chain.find((b) => b.hash === h) || null;
    switch (method) {
      case 'eth_chainId': return { result: hex(this.chainId) };
      case 'eth_blockNumber': return { result: hex(this.tip.number) };
      case 'eth_subscribe': {
        const id = hex(0x1000 + this.nextSub++);
        this.subs.set(id, { ws: this.current, kind: params[0] });
        return { result: id };
      }
      case 'eth_getBlockByNumber': {
        const b = byNumber(params[0]);
        return { result: b && this.header(b) };
      }
      case 'eth_getBlockByHash': {
        const b = byHash(params[0]);
        return { result: b && this.header(b) };
      }
      case 'eth_getLogs': {
        const f = params[0] || {};
        const addresses = [].concat(f.address || []).map((a) => a.toLowerCase());
        let blocks;
        if (f.blockHash) {
          const b = byHash(f.blockHash);
          if (!b) return { error: { code: -32000, message: 'unknown block' } };
          blocks = [b];
        } else {
          const from = Number(BigInt(f.fromBlock)), to = Number(BigInt(f.toBlock));
          blocks = this.chain.filter((b) => b.number >= from && b.number <= to);
        }
        return { result: blocks.flatMap((b) => b.logs).filter((l) => addresses.length === 0 || addresses.includes(l.address)) };
      }
      default: return { error: { code: -32601, message: `the method ${method} does not exist/is not available` } };
    }
  }

  onMessage(ws, text) {
    const req = JSON.parse(text);
    this.requests.push({ method: req.method, params: req.params });
    this.current = ws;
    const a = this.answer(req.method, req.params);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, ...a }));
  }
}

module.exports = { FakeEvmNode, TRANSFER_TOPIC, hash32 };
