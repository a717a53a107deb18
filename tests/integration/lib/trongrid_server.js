'use strict';
// A scripted TronGrid-compatible REST API on 127.0.0.1 (plain node http),
// serving TRC-20 Transfer events built from the recorded answers in
// ../shared/fixtures/tron (wire-formats.md C):
//
//   GET /v1/contracts/{contract}/events?event_name=Transfer
//       &only_confirmed=true | &only_unconfirmed=true
//       &order_by=block_timestamp,asc&min_block_timestamp=MS&limit=N&fingerprint=F
//     -> {"data":[...], "success":true, "meta":{"at", "page_size", "fingerprint"?, "links":{"next"?}}}
//
// Events are held in one list; each is solidified (confirmed) or not. An
// answer holds the events of the asked contract that match the view and
// min_block_timestamp (inclusive), in block_timestamp order (ties: in the
// order they were added), at most min(limit, maxLimit) of them; when more
// remain, meta.fingerprint names the next page (opaque to the client; here
// base64 of the offset and the query it belongs to). `mixIn` contracts' events
// are served in every contract's answer too, as a misbehaving proxy would:
// the client must look at contract_address.
//
// Faults: failures queue [{status, retryAfter, body, times, match: RegExp}],
// each consumed by matching requests; requireKey: answer 401 without the
// TRON-PRO-API-KEY header. Every request is recorded: {path, query (object),
// headers, status, at, failed}.

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const crypto = require('node:crypto');
const { once } = require('node:events');

const FIXTURES = process.env.FW_FIXTURES_DIR || path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures');
const USDT = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

function readFixture(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tron', name), 'utf8'));
}

// base58check(0x41 || 20 bytes), as TRON spells addresses.
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(buf) {
  let n = BigInt('0x' + buf.toString('hex'));
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of buf) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}
function tronAddress(hex20) {
  const payload = Buffer.concat([Buffer.from([0x41]), Buffer.from(hex20.replace(/^0x/, ''), 'hex')]);
  const sum = crypto.createHash('sha256').update(crypto.createHash('sha256').update(payload).digest()).digest();
  return base58(Buffer.concat([payload, sum.subarray(0, 4)]));
}

const RECORDED = readFixture('trongrid.v1.contracts.USDT.events.Transfer.json').data;
const COUNTERFEIT = readFixture('trongrid.v1.transactions.events.counterfeit-USDT.json').data[0];

// One event in TronGrid's shape, from the recorded USDT event (or the
// counterfeit one with counterfeit: true), with the given fields replaced.
function makeEvent({ block, ts, txid, index = 0, from, to, value, counterfeit = false, confirmed = true }) {
  const e = JSON.parse(JSON.stringify(counterfeit ? COUNTERFEIT : RECORDED[0]));
  if (block !== undefined) e.block_number = block;
  if (ts !== undefined) e.block_timestamp = ts;
  if (txid !== undefined) e.transaction_id = txid;
  e.event_index = index;
  const r = e.result;
  if (from !== undefined) r.from = r['0'] = from;
  if (to !== undefined) r.to = r['1'] = to;
  if (value !== undefined) r.value = r['2'] = String(value);
  return { event: e, confirmed };
}

class TronGridServer {
  constructor({ maxLimit = 200, mixIn = [], requireKey = null } = {}) {
    this.events = [];
    this.maxLimit = maxLimit;
    this.mixIn = mixIn;
    this.requireKey = requireKey;
    this.failures = [];
    this.requests = [];
    this.port = 0;
  }

  async start(port = this.port) {
    this.http = http.createServer((req, res) => this.handle(req, res));
    this.http.keepAliveTimeout = 30000;
    this.http.listen(port, '127.0.0.1');
    await once(this.http, 'listening');
    this.port = this.http.address().port;
    return this;
  }

  get apiUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  add(...events) {
    this.events.push(...events);
  }

  // Marks the events of these transactions solidified.
  solidify(...txids) {
    for (const e of this.events) if (txids.includes(e.event.transaction_id)) e.confirmed = true;
  }

  fail(spec) {
    this.failures.push({ times: 1, match: /./, ...spec });
  }

  eventRequests(pred = () => true) {
    return this.requests.filter((r) => r.path.endsWith('/events') && pred(r));
  }

  handle(req, res) {
    const url = new URL(req.url, 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const rec = { path: url.pathname, query, headers: req.headers, status: 0, at: Date.now(), failed: false };
    this.requests.push(rec);
    const send = (status, body, headers = {}) => {
      rec.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    const f = this.failures.find((x) => x.times > 0 && x.match.test(req.url));
    if (f) {
      f.times -= 1;
      rec.failed = true;
      const headers = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {};
      return send(f.status, f.body !== undefined ? f.body : { success: false, error: 'scripted failure', statusCode: f.status }, headers);
    }
    if (this.requireKey && req.headers['tron-pro-api-key'] !== this.requireKey)
      return send(401, { success: false, error: 'ApiKey not exists', statusCode: 401 });

    const m = /^\/v1\/contracts\/([^/]+)\/events$/.exec(url.pathname);
    if (!m) return send(404, { success: false, error: 'not found', statusCode: 404 });
    const contract = m[1];
    const onlyConfirmed = query.only_confirmed === 'true';
    const onlyUnconfirmed = query.only_unconfirmed === 'true';
    const minTs = Number(query.min_block_timestamp || 0);
    const limit = Math.min(Number(query.limit || 20), this.maxLimit, 200);
    const ascending = (query.order_by || 'block_timestamp,desc') === 'block_timestamp,asc';

    const selected = this.events
      .map((e, i) => ({ ...e, i }))
      .filter(({ event, confirmed }) =>
        (event.contract_address === contract || this.mixIn.includes(event.contract_address)) &&
        (!query.event_name || event.event_name === query.event_name) &&
        event.block_timestamp >= minTs &&
        (!onlyConfirmed || confirmed) && (!onlyUnconfirmed || !confirmed))
      .sort((a, b) => (ascending ? 1 : -1) * (a.event.block_timestamp - b.event.block_timestamp) || a.i - b.i);

    const key = JSON.stringify([contract, onlyConfirmed, onlyUnconfirmed, minTs, ascending]);
    let offset = 0;
    if (query.fingerprint) {
      let fp;
      try {
        fp = JSON.parse(Buffer.from(query.fingerprint, 'base64').toString('utf8'));
      } catch {
        return send(400, { success: false, error: 'invalid fingerprint', statusCode: 400 });
      }
      if (fp.key !== key) return send(400, { success: false, error: 'fingerprint of another query', statusCode: 400 });
      offset = fp.offset;
    }
    const page = selected.slice(offset, offset + limit).map(({ event, confirmed }) =>
      (confirmed ? event : { ...event, _unconfirmed: true }));
    const meta = { at: Date.now(), page_size: page.length };
    if (offset + limit < selected.length) {
      meta.fingerprint = Buffer.from(JSON.stringify({ key, offset: offset + limit })).toString('base64');
      const next = new URL(url);
      next.searchParams.set('fingerprint', meta.fingerprint);
      meta.links = { next: this.apiUrl + next.pathname + next.search };
    }
    send(200, { data: page, success: true, meta });
  }

  async stop() {
    if (!this.http) return;
    const s = this.http;
    this.http = null;
    const closed = new Promise((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
    await closed;
  }
}

module.exports = { TronGridServer, makeEvent, tronAddress, readFixture, RECORDED, COUNTERFEIT, USDT };
