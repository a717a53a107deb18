'use strict';
// The TRON sources end to end: the real freezewatch binary, a webhook
// receiver verifying every signature, and
//   tron_grid   against a scripted TronGrid-compatible REST API
//               (lib/trongrid_server.js) serving events built from the
//               recorded answers in ../shared/fixtures/tron;
//   tron_events fed java-tron event-plugin triggers over HTTP, built from
//               the recorded contractEventTrigger.
//
// LISTED is the sender of the recorded USDT Transfer; COUNTERFEIT_SENDER the
// sender of the recorded counterfeit-USDT Transfer, listed too, so that the
// only thing keeping its event from alerting is the contract check.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const { test } = require('node:test');
const { Daemon, newSecret, freePort } = require('./lib/daemon');
const { Receiver } = require('./lib/receiver');
const { webhookConfig } = require('./lib/harness');
const { TronGridServer, makeEvent, tronAddress, readFixture, RECORDED, COUNTERFEIT, USDT } = require('./lib/trongrid_server');
const { waitFor, sleep } = require('./lib/wait');

const LISTED_HEX = RECORDED[0].result.from; // 0x01311788...
const LISTED = tronAddress(LISTED_HEX); // TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9LR
const COUNTERFEIT_SENDER_HEX = COUNTERFEIT.result.from;
const COUNTERFEIT_SENDER = tronAddress(COUNTERFEIT_SENDER_HEX);
const CLEAN_HEX = RECORDED[1].result.from; // not listed
const API_KEY = 'it-trongrid-key-' + process.pid;

const WATCHLIST_CSV = [
  '# tron integration test: the senders of the recorded USDT and counterfeit-USDT transfers',
  'address,chain,label,incident,source,severity,added_at,notes',
  `${LISTED},tron,recorded USDT sender,tron-it,integration test,high,2025-04-01,`,
  `${COUNTERFEIT_SENDER},tron,recorded counterfeit sender,tron-it,integration test,high,2025-04-01,`,
  '',
].join('\n');

const txid = () => crypto.randomBytes(32).toString('hex');

// A chain of blocks ending a few seconds ago: block k at base + 3 s * k.
function clock(blocksBack = 10) {
  const base = Date.now() - blocksBack * 3000;
  return { block: (k) => 85919983 + k, ts: (k) => base + k * 3000 };
}

function gridSource(server, overrides = {}) {
  return {
    name: 'tron',
    type: 'tron_grid',
    api_url: server.apiUrl,
    headers: { 'TRON-PRO-API-KEY': '${FW_IT_TRONGRID_KEY}' },
    poll_interval_ms: 200,
    request_timeout_ms: 3000,
    ...overrides,
  };
}

function describe(h) {
  let text = '';
  if (h.daemon) text += `temp dir: ${h.daemon.dir}\n` + h.daemon.logs();
  if (h.receiver) {
    text += `----- receiver: ${h.receiver.requests.length} requests -----\n`;
    for (const q of h.receiver.requests) {
      const tr = q.body && q.body.data && q.body.data.transfer;
      text += `${new Date(q.at).toISOString()} id=${q.id} type=${q.type} answer=${q.answer} valid=${q.valid}` +
        (tr ? ` tx=${tr.tx_id} block=${tr.block_height}` : '') + '\n';
    }
  }
  if (h.server) {
    text += `----- trongrid: ${h.server.events.length} events, ${h.server.requests.length} requests -----\n`;
    for (const r of h.server.requests.slice(-60))
      text += `${new Date(r.at).toISOString()} GET ${r.path} ${JSON.stringify(r.query)} -> ${r.status}${r.failed ? ' (scripted)' : ''}\n`;
  }
  return text;
}

// node:test test() with a scenario (server, receiver, daemon): logs printed
// when it fails, everything torn down (bounded) afterwards.
function ttest(name, opts, body) {
  const timeout = opts.timeout || 60000;
  test(name, { timeout: timeout + 15000 }, async () => {
    const h = { server: null, receiver: null, daemon: null };
    let failed = true;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario did not finish within ${timeout} ms`)), timeout);
    });
    try {
      await Promise.race([(async () => {
        const secret = newSecret();
        h.receiver = await new Receiver({ secrets: [secret], name: 'compliance' }).start();
        let sources;
        if (opts.grid !== false) {
          h.server = await new TronGridServer(opts.server || {}).start();
          sources = [gridSource(h.server, opts.source)];
        } else {
          h.port = await freePort();
          sources = [{ name: 'tron-node', type: 'tron_events', listen: `127.0.0.1:${h.port}`, ...(opts.source || {}) }];
        }
        h.daemon = await Daemon.create({
          sources,
          webhooks: [webhookConfig('compliance', h.receiver)],
          watchlistCsv: WATCHLIST_CSV,
          env: { FW_IT_SECRET: secret, FW_IT_TRONGRID_KEY: API_KEY },
        });
        await body(h);
      })(), deadline]);
      failed = false;
    } catch (e) {
      process.stderr.write(`\n===== ${name}: FAILED, scenario state =====\n${describe(h)}\n`);
      throw e;
    } finally {
      clearTimeout(timer);
      const bounded = (p) => Promise.race([p.catch(() => {}), sleep(5000, undefined, { ref: false })]);
      if (h.daemon) await bounded(h.daemon.cleanup({ keep: failed }));
      if (h.receiver) await bounded(h.receiver.stop());
      if (h.server) await bounded(h.server.stop());
    }
  });
}

// Delivered alerts as {type, stage, base, tx, id}, in delivery order.
function delivered(receiver) {
  return receiver.delivered().map((r) => ({
    id: r.id, type: r.type, stage: r.body.data.stage, base: r.body.data.base_id,
    tx: r.body.data.transfer.tx_id, listed: r.body.data.listed_address, data: r.body.data,
  }));
}

// Every alert request answered once (no repeat of an id), all signed.
function assertNoRepeats(receiver) {
  const ids = receiver.alerts().map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, `an alert id was delivered twice: ${ids.join(' ')}`);
  for (const r of receiver.alerts()) assert.ok(r.valid, `bad signature on ${r.id}`);
}

// ---------------------------------------------------------------- tron_grid

ttest('unconfirmed then solidified: transfer.confirmed then transfer.final with one base_id; paging; counterfeit ignored', {
  server: { maxLimit: 2, mixIn: [COUNTERFEIT.contract_address] },
}, async (h) => {
  const c = clock();
  const e1 = txid();
  const fillers = [0, 0, 1, 1, 2].map((k, i) => makeEvent({ block: c.block(k), ts: c.ts(k), txid: txid(), index: i, from: CLEAN_HEX }));
  const counterfeit = makeEvent({ counterfeit: true, block: c.block(1), ts: c.ts(1), txid: txid() });
  h.server.add(...fillers, counterfeit, makeEvent({ block: c.block(4), ts: c.ts(4), txid: e1, confirmed: false }));
  await h.daemon.start();

  await h.receiver.waitForDelivered(1, 15000);
  let got = delivered(h.receiver);
  assert.equal(got[0].type, 'transfer.confirmed');
  assert.equal(got[0].tx, e1);
  assert.equal(got[0].listed, LISTED);
  assert.equal(got[0].data.direction, 'from');
  const tr = got[0].data.transfer;
  assert.equal(tr.chain, 'tron');
  assert.equal(tr.asset.contract, USDT);
  assert.equal(tr.asset.symbol, 'USDT');
  assert.equal(tr.amount.base_units, '1399000000');
  assert.equal(tr.amount.decimal, '1399');
  assert.deepEqual(tr.senders, [LISTED]);
  assert.equal(tr.block_height, c.block(4));

  h.server.solidify(e1);
  await h.receiver.waitForDelivered(2, 15000);
  got = delivered(h.receiver);
  assert.equal(got[1].type, 'transfer.final');
  assert.equal(got[1].tx, e1);
  assert.equal(got[1].base, got[0].base, 'confirmed and final share the base id');

  // The counterfeit's sender is listed, yet nothing alerted on it.
  await sleep(1000);
  assert.equal(h.receiver.alerts().length, 2);
  assert.ok(!h.receiver.alerts().some((r) => r.body.data.transfer.tx_id === counterfeit.event.transaction_id));
  assert.match(h.daemon.logs(), /not a configured token/);
  assert.ok(h.daemon.logs().includes(COUNTERFEIT.contract_address));
  await h.daemon.waitForMetrics((m) => m.get('freezewatch_events_ignored_total',
    { source: 'tron', reason: 'unconfigured_contract' }) >= 1, 'the counterfeit event counted');
  assertNoRepeats(h.receiver);

  // Fingerprint paging, the API key on every request, and TronGrid's query.
  const reqs = h.server.eventRequests();
  assert.ok(reqs.some((r) => r.query.fingerprint), 'pages were followed by fingerprint');
  for (const r of reqs) assert.equal(r.headers['tron-pro-api-key'], API_KEY);
  assert.ok(reqs.some((r) => r.query.only_confirmed === 'true'));
  assert.ok(reqs.some((r) => r.query.only_unconfirmed === 'true'));
  for (const r of reqs) {
    assert.equal(r.path, `/v1/contracts/${USDT}/events`);
    assert.equal(r.query.order_by, 'block_timestamp,asc');
    assert.equal(r.query.event_name, 'Transfer');
  }
});

ttest('a restart resumes from the saved cursor: no duplicate, no gap', { server: { maxLimit: 3 } }, async (h) => {
  const c = clock(12);
  const e1 = txid(), e2 = txid(), e3 = txid();
  h.server.add(makeEvent({ block: c.block(0), ts: c.ts(0), txid: txid(), from: CLEAN_HEX }),
    makeEvent({ block: c.block(1), ts: c.ts(1), txid: e1 }),
    makeEvent({ block: c.block(1), ts: c.ts(1), txid: txid(), index: 1, from: CLEAN_HEX }));
  await h.daemon.start();
  await h.receiver.waitForDelivered(2, 15000); // e1 confirmed + final
  await sleep(600); // a few more polls: nothing new
  assert.deepEqual(delivered(h.receiver).map((a) => `${a.tx === e1}:${a.stage}`), ['true:confirmed', 'true:final']);
  const stop = await h.daemon.stop();
  assert.equal(stop.code, 0);

  // While freezewatch is down: a solidified transfer (in two pages' worth of
  // traffic) and one still unconfirmed.
  for (let k = 2; k <= 4; ++k)
    for (let i = 0; i < 2; ++i) h.server.add(makeEvent({ block: c.block(k), ts: c.ts(k), txid: txid(), index: i, from: CLEAN_HEX }));
  h.server.add(makeEvent({ block: c.block(5), ts: c.ts(5), txid: e2, index: 2 }));
  h.server.add(makeEvent({ block: c.block(7), ts: c.ts(7), txid: e3, confirmed: false }));
  const before = h.server.requests.length;
  await h.daemon.start();
  await h.receiver.waitForDelivered(5, 15000); // + e2 confirmed + final, e3 confirmed
  const firstSolid = h.server.requests.slice(before).find((r) => r.query.only_confirmed === 'true');
  assert.equal(Number(firstSolid.query.min_block_timestamp), c.ts(1), 'resumed at the saved cursor');

  h.server.solidify(e3);
  await h.receiver.waitForDelivered(6, 15000);
  await sleep(600);
  const got = delivered(h.receiver);
  const stages = (tx) => got.filter((a) => a.tx === tx).map((a) => a.stage);
  assert.deepEqual(stages(e1), ['confirmed', 'final']);
  assert.deepEqual(stages(e2), ['confirmed', 'final']);
  assert.deepEqual(stages(e3), ['confirmed', 'final']);
  assert.equal(got.length, 6);
  assertNoRepeats(h.receiver);
});

ttest('429 with Retry-After is waited out and polling goes on', { server: {} }, async (h) => {
  const c = clock();
  const e1 = txid();
  h.server.add(makeEvent({ block: c.block(2), ts: c.ts(2), txid: e1 }));
  h.server.fail({ status: 429, retryAfter: 1, times: 2, match: /only_confirmed=true/,
    body: { success: false, error: 'request rate exceeded the allowed_rps(15)', statusCode: 429 } });
  await h.daemon.start();
  await h.receiver.waitForDelivered(2, 20000);
  const got = delivered(h.receiver);
  assert.deepEqual(got.map((a) => a.stage), ['confirmed', 'final']);

  const reqs = h.server.eventRequests((r) => r.query.only_confirmed === 'true');
  const limited = reqs.filter((r) => r.status === 429);
  assert.equal(limited.length, 2);
  for (const r of limited) {
    const next = reqs.find((q) => q.at > r.at);
    assert.ok(next.at - r.at >= 950, `retried ${next.at - r.at} ms after a 429 with Retry-After: 1`);
  }
  const m = await h.daemon.metrics();
  assert.ok(m.get('freezewatch_frames_rejected_total', { source: 'tron', reason: 'rest_error' }) >= 2);
  assertNoRepeats(h.receiver);
});

// ---------------------------------------------------------------- tron_events

// The recorded contractEventTrigger, turned into a USDT Transfer from
// `fromHex` (the raw words and the node's ABI maps agree).
function usdtTrigger({ tx, index = 0, block, solid, fromHex = LISTED_HEX, removed = false, contract = USDT }) {
  const t = readFixture('event-plugin.contractEventTrigger.json');
  const word = (hex) => '0'.repeat(24) + hex.replace(/^0x/, '');
  const value = 1399000000;
  t.transactionId = tx;
  t.uniqueId = `${tx}_${index}`;
  t.contractAddress = contract;
  t.blockNumber = block;
  t.latestSolidifiedBlockNumber = solid;
  t.removed = removed;
  t.rawData = {
    ...(contract === USDT ? { address: 'a614f803b6fd780986a42c78ec9c7f77e6ded13c' } : {}),
    topics: ['ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef', word(fromHex), word(CLEAN_HEX)],
    data: value.toString(16).padStart(64, '0'),
  };
  t.eventSignature = 'Transfer(address,address,uint256)';
  t.eventSignatureFull = 'Transfer(address from,address to,uint256 value)';
  t.eventName = 'Transfer';
  t.topicMap = { 0: tronAddress(fromHex), 1: tronAddress(CLEAN_HEX), from: tronAddress(fromHex), to: tronAddress(CLEAN_HEX) };
  t.dataMap = { 2: String(value), value: String(value) };
  return t;
}

function post(port, body, path = '/tron/events') {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(data);
  });
}

ttest('tron_events: relayed triggers give confirmed, retracted and final; counterfeit ignored', { grid: false }, async (h) => {
  await h.daemon.start();
  await waitFor(async () => (await h.daemon.get('/readyz')).status === 200, { timeout: 10000, what: '/readyz 200' });
  const e1 = txid(), e2 = txid(), fake = txid();
  assert.equal(await post(h.port, usdtTrigger({ tx: e1, block: 100, solid: 80 })), 200);
  // The counterfeit contract emits the same shape, from a listed sender.
  const counterfeit = usdtTrigger({ tx: fake, block: 100, solid: 80, fromHex: COUNTERFEIT_SENDER_HEX,
    contract: COUNTERFEIT.contract_address });
  // An array body: the counterfeit and a second transfer, and the block trigger.
  const block = readFixture('event-plugin.blockTrigger.json');
  Object.assign(block, { blockNumber: 101, latestSolidifiedBlockNumber: 82 });
  assert.equal(await post(h.port, [counterfeit, usdtTrigger({ tx: e2, index: 3, block: 101, solid: 81 }), block]), 200);
  await h.receiver.waitForDelivered(2, 10000);
  // e2's block is orphaned: the node revokes the log.
  assert.equal(await post(h.port, usdtTrigger({ tx: e2, index: 3, block: 101, solid: 83, removed: true })), 200);
  await h.receiver.waitForDelivered(3, 10000);
  // Block 100 solidified.
  assert.equal(await post(h.port, { timeStamp: Date.now(), triggerName: 'solidityTrigger', latestSolidifiedBlockNumber: 100 }), 200);
  await h.receiver.waitForDelivered(4, 10000);
  await sleep(500);

  const got = delivered(h.receiver);
  assert.deepEqual(got.map((a) => `${a.tx === e1 ? 'e1' : a.tx === e2 ? 'e2' : a.tx}:${a.stage}`),
    ['e1:confirmed', 'e2:confirmed', 'e2:retracted', 'e1:final']);
  assert.equal(got[0].base, got[3].base);
  assert.equal(got[1].base, got[2].base);
  assert.match(got[2].data.transfer.status_reason, /removed/);
  assert.ok(!got.some((a) => a.tx === fake));
  assert.match(h.daemon.logs(), /not a configured token/);
  await h.daemon.waitForMetrics((m) => m.get('freezewatch_events_ignored_total',
    { source: 'tron-node', reason: 'unconfigured_contract' }) === 1, 'the counterfeit event counted once');
  assertNoRepeats(h.receiver);

  // A body that is not JSON is refused for good (kept in failed/), not retried.
  assert.equal(await post(h.port, 'not json'), 200);
  await h.daemon.waitForMetrics((m) => m.get('freezewatch_frames_rejected_total', { source: 'tron-node', reason: 'not_json' }) >= 1,
    'the undecodable body counted');
});

ttest('tron_events: a restart keeps the confirmed transfers: final after the restart, nothing repeated', { grid: false }, async (h) => {
  await h.daemon.start();
  await waitFor(async () => (await h.daemon.get('/readyz')).status === 200, { timeout: 10000, what: '/readyz 200' });
  const e1 = txid();
  assert.equal(await post(h.port, usdtTrigger({ tx: e1, block: 200, solid: 180 })), 200);
  await h.receiver.waitForDelivered(1, 10000);
  assert.equal((await h.daemon.stop()).code, 0);

  await h.daemon.start();
  await waitFor(async () => (await h.daemon.get('/readyz')).status === 200, { timeout: 10000, what: '/readyz 200 again' });
  // The relay re-sends the trigger (at-least-once), then the block solidifies.
  assert.equal(await post(h.port, usdtTrigger({ tx: e1, block: 200, solid: 181 })), 200);
  assert.equal(await post(h.port, { timeStamp: Date.now(), triggerName: 'solidityTrigger', latestSolidifiedBlockNumber: 200 }), 200);
  await h.receiver.waitForDelivered(2, 10000);
  await sleep(500);
  const got = delivered(h.receiver);
  assert.deepEqual(got.map((a) => a.stage), ['confirmed', 'final']);
  assert.equal(got[0].base, got[1].base);
  assertNoRepeats(h.receiver);
});
