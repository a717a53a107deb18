'use strict';
// The stacks_api source end to end: the real freezewatch binary against a
// scripted Stacks API (lib/stacks_api_server.js: websocket JSON-RPC 2.0 +
// REST) serving the chain recorded in epoch-3-transition.tsv (blocks 0..50,
// a ring of STX transfers between three testnet addresses), and a webhook
// receiver that verifies every signature.
//
// One listed address (LISTED) sends a transfer every few blocks and receives
// one every few blocks, so each block range has a known set of expected
// alerts: one `from` or `to` alert per transfer, per stage. Every scenario
// asserts that set exactly: each expected alert delivered once (no gap), no
// alert twice and none that was not expected (no duplicate), signatures valid.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Daemon, newSecret } = require('./lib/daemon');
const { Receiver } = require('./lib/receiver');
const { webhookConfig } = require('./lib/harness');
const { StacksApiServer } = require('./lib/stacks_api_server');
const { loadChain, mempoolTransaction } = require('./lib/stacks_fixture');
const { waitFor, sleep } = require('./lib/wait');

const CHAIN = loadChain('epoch-3-transition.tsv');
const LISTED = 'ST29V10QEA7BRZBTWRFC4M70NJ4J6RJB5P1C6EE84';
const API_KEY = 'it-stacks-api-key-' + process.pid;
const FINAL_DEPTH = 3;
const START_TIP = 4; // the API's tip when freezewatch first starts: its starting block

const WATCHLIST_CSV = [
  '# stacks_api integration test: a sender of the recorded epoch-3 chain',
  'address,chain,label,incident,source,severity,added_at,notes',
  `${LISTED},stacks,epoch-3 test sender,stacks-it,integration test,high,2024-03-13,`,
  '',
].join('\n');

function sourceConfig(server, overrides = {}) {
  return {
    name: 'stacks',
    type: 'stacks_api',
    url: server.wsUrl,
    api_url: server.apiUrl,
    headers: { 'x-api-key': '${FW_IT_STACKS_API_KEY}' },
    network: 'testnet',
    final_depth: FINAL_DEPTH,
    connect_timeout_ms: 2000,
    idle_timeout_ms: 10000,
    ping_interval_ms: 2000,
    stale_after_ms: 0,
    request_timeout_ms: 3000,
    reconnect: { initial_ms: 20, max_ms: 200 },
    ...overrides,
  };
}

// ---------------------------------------------------------------- scenario

async function build(opts, h) {
  h.server = await new StacksApiServer({ chain: CHAIN, tip: START_TIP, ...(opts.server || {}) }).start();
  if (opts.restDelayMs) h.server.restDelayMs = opts.restDelayMs;
  const secret = newSecret();
  h.receiver = await new Receiver({ secrets: [secret], name: 'compliance' }).start();
  h.daemon = await Daemon.create({
    sources: [sourceConfig(h.server, opts.source)],
    webhooks: [webhookConfig('compliance', h.receiver, opts.webhook)],
    watchlistCsv: WATCHLIST_CSV,
    env: { FW_IT_SECRET: secret, FW_IT_STACKS_API_KEY: API_KEY },
  });
  if (opts.autostart !== false) {
    await h.daemon.start();
    await h.server.waitForSubscribed(1);
    await waitForTip(h, START_TIP);
  }
}

function describe(h) {
  let text = '';
  if (h.daemon) text += `temp dir: ${h.daemon.dir}\n` + h.daemon.logs();
  if (h.receiver) {
    text += `----- receiver: ${h.receiver.requests.length} requests -----\n`;
    for (const q of h.receiver.requests) {
      const tr = q.body && q.body.data && q.body.data.transfer;
      text += `${new Date(q.at).toISOString()} id=${q.id} type=${q.type} answer=${q.answer} valid=${q.valid}` +
        (tr ? ` height=${tr.block_height} tx=${tr.tx_id} dir=${q.body.data.direction}` : '') + '\n';
    }
  }
  if (h.server) {
    const s = h.server;
    text += `----- stacks api: tip ${s.tip}, ${s.connections.length} ws connections, ${s.requests.length} REST requests -----\n`;
    s.connections.forEach((c, i) => (text += `ws #${i + 1} closed=${c.closed} code=${c.closeCode} subs=${[...c.subscriptions]} messages=${JSON.stringify(c.messages)}\n`));
    for (const n of s.sent) text += `notified ${n.method} ${n.height ?? n.tx_id} to ${n.connections}\n`;
    for (const r of s.requests) text += `${new Date(r.at).toISOString()} GET ${r.path}${r.query} -> ${r.status}${r.failed ? ' (scripted)' : ''}\n`;
  }
  return text;
}

// node:test test() with a scenario: built before `body`, logs printed when it
// fails, everything torn down (bounded) afterwards.
function stest(name, opts, body) {
  const timeout = opts.timeout || 60000;
  test(name, { timeout: timeout + 15000 }, async (t) => {
    const h = { server: null, receiver: null, daemon: null };
    let failed = true;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario did not finish within ${timeout} ms`)), timeout);
    });
    try {
      await Promise.race([(async () => { await build(opts, h); await body(h, t); })(), deadline]);
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

// ---------------------------------------------------------------- expectations

const key = (txId, direction) => `${txId}/${direction}`;

// Expected alert keys for blocks from..to (inclusive) at `stage`.
function expectedKeys(from, to) {
  return CHAIN.transfersOf(LISTED, from, to).map((t) => key(t.tx_id, t.direction)).sort();
}

function delivered(h, type) {
  return h.receiver.delivered().filter((r) => r.type === type);
}

function keysOf(requests) {
  return requests.map((r) => key(r.body.data.transfer.tx_id, r.body.data.direction)).sort();
}

async function waitForTip(h, height, timeout = 15000) {
  await h.daemon.waitForMetrics((m) => m.get('freezewatch_chain_tip_height', { source: 'stacks' }) >= height,
    `tip height ${height}`, timeout);
}

async function waitForAlerts(h, type, keys, timeout = 20000) {
  const want = new Set(keys);
  await waitFor(() => {
    const have = new Set(keysOf(delivered(h, type)));
    return [...want].every((k) => have.has(k));
  }, { timeout, what: `${want.size} ${type} alert(s) (have ${keysOf(delivered(h, type)).length})` });
}

// Produces blocks one by one, like a live chain (a little time between them).
async function produce(h, n, gapMs = 30) {
  for (let i = 0; i < n; ++i) {
    await h.server.produce(1);
    if (gapMs) await sleep(gapMs);
  }
}

// The exactly-once check over heights from..to: confirmed alerts are exactly
// the expected set, and `final` ones exactly those deep enough; no webhook-id
// delivered twice; every request signed; nothing left pending.
async function assertExactlyOnce(h, from, to) {
  const finalTo = to - FINAL_DEPTH + 1;
  await waitForAlerts(h, 'transfer.confirmed', expectedKeys(from, to));
  await waitForAlerts(h, 'transfer.final', expectedKeys(from, finalTo));
  await sleep(300); // a duplicate would arrive now
  assert.deepEqual(keysOf(delivered(h, 'transfer.confirmed')), expectedKeys(from, to), 'confirmed: exactly the expected transfers');
  assert.deepEqual(keysOf(delivered(h, 'transfer.final')), expectedKeys(from, finalTo), 'final: exactly the expected transfers');
  const counts = new Map();
  for (const r of h.receiver.delivered()) counts.set(r.id, (counts.get(r.id) || 0) + 1);
  for (const [id, n] of counts) assert.equal(n, 1, `${id} delivered ${n} times`);
  for (const r of h.receiver.requests) assert.ok(r.valid, `signature of ${r.id}: ${r.error}`);
  const m = await h.daemon.metrics();
  assert.equal(m.get('freezewatch_outbox_pending'), 0);
  return m;
}

function checkTransferFields(r, height) {
  const b = CHAIN.block(height);
  const d = r.body.data;
  const tr = d.transfer;
  const src = b.transfers.find((t) => t.tx_id === tr.tx_id);
  assert.ok(src, `${tr.tx_id} is a transfer of block ${height}`);
  assert.equal(tr.chain, 'stacks');
  assert.equal(tr.chain_name, 'stacks');
  assert.equal(tr.network, 'testnet');
  assert.equal(tr.source, 'stacks');
  assert.deepEqual(tr.asset, { symbol: 'STX', contract: '', decimals: 6 });
  assert.deepEqual(tr.senders, [src.sender]);
  assert.equal(tr.recipient, src.recipient);
  assert.equal(tr.amount.base_units, src.amount);
  assert.equal(tr.block_height, height);
  assert.equal(tr.block_hash, b.header.index_block_hash, 'block_hash is the index block hash');
  assert.equal(tr.memo, src.memo, 'memo hex as the node sends it (no 0x)');
  assert.equal(d.listed_address, LISTED);
}

// ---------------------------------------------------------------- tests

stest('live blocks announced over the websocket: each listed transfer alerted confirmed (and final) exactly once', {}, async (h, t) => {
  const { server, daemon } = h;
  // Subscribed to both events with JSON-RPC 2.0, sending the configured header.
  const conn = server.connections[0];
  assert.equal(conn.url, '/extended/v1/ws');
  assert.equal(conn.headers['x-api-key'], API_KEY);
  assert.equal(server.subscribes(1, 'block').length, 1);
  assert.equal(server.subscribes(1, 'mempool').length, 1);
  for (const m of conn.messages) {
    assert.equal(m.jsonrpc, '2.0');
    assert.equal(typeof m.id, 'number');
  }
  // First start without a cursor: it starts AT the latest block, no history.
  assert.deepEqual(server.blockRequests(), [START_TIP]);
  assert.ok(server.requests.every((r) => r.headers['x-api-key'] === API_KEY), 'x-api-key on every REST request');

  await produce(h, 16); // 5..20
  await waitForTip(h, 20);
  const m = await assertExactlyOnce(h, START_TIP, 20);
  t.diagnostic(`confirmed ${delivered(h, 'transfer.confirmed').length}, final ${delivered(h, 'transfer.final').length}`);
  assert.ok(expectedKeys(START_TIP, 20).length >= 6);

  for (const r of delivered(h, 'transfer.confirmed')) {
    const height = r.body.data.transfer.block_height;
    checkTransferFields(r, height);
    assert.equal(r.body.data.transfer.status, 'confirmed');
  }
  // Every block fetched once, in order, none twice.
  assert.deepEqual(server.blockRequests(), Array.from({ length: 17 }, (_, i) => START_TIP + i));
  assert.equal(m.get('freezewatch_alerts_deduplicated_total'), 0, 'the source emitted nothing twice');
  assert.equal(m.get('freezewatch_chain_blocks_total', { source: 'stacks' }), 17);
  assert.equal(m.get('freezewatch_source_connected', { source: 'stacks' }), 1);
  assert.equal((await daemon.get('/readyz')).status, 200);
});

// Small pages (7 transactions, 2 events) so block 5's 29 transactions and
// the multi-event transactions are read over several pages.
stest('websocket dropped mid-stream while blocks continue: reconnect, resubscribe, backfill over REST, no gap, no duplicate', { server: { maxTxLimit: 7, maxEventLimit: 2 } }, async (h, t) => {
  const { server, daemon } = h;
  await produce(h, 6); // 5..10
  await waitForTip(h, 10);

  // The API drops us and refuses to take us back for a while; the chain moves on.
  server.refuseWs = true;
  assert.equal(server.dropClients(), 1);
  await produce(h, 6, 0); // 11..16, nobody to notify
  await daemon.waitForMetrics((m) => m.get('freezewatch_source_reconnects_total', { source: 'stacks' }) >= 2, 'refused reconnect attempts');
  assert.equal(server.sent.filter((n) => n.height > 10 && n.connections > 0).length, 0, 'blocks 11..16 were never announced');
  const before = server.requests.length;
  server.refuseWs = false;

  const second = await server.waitForSubscribed(2);
  assert.equal(server.subscribes(2, 'block').length, 1, 'resubscribed to block');
  assert.equal(server.subscribes(2, 'mempool').length, 1, 'resubscribed to mempool');
  assert.equal(second.headers['x-api-key'], API_KEY);
  await waitForTip(h, 16);
  const backfill = server.requests.slice(before).filter((r) => /^\/extended\/v2\/blocks\/\d+$/.test(r.path)).map((r) => Number(r.path.split('/').pop()));
  t.diagnostic(`block headers fetched after the reconnect: ${backfill.join(' ')}`);
  assert.deepEqual(backfill.slice(0, 6), [11, 12, 13, 14, 15, 16], 'missed blocks fetched in height order from the cursor');
  assert.ok(server.requests.slice(before).some((r) => r.path === '/extended/v2/blocks' && r.query === '?limit=1'), 'asked for the latest block');

  await produce(h, 6); // 17..22 live again
  await waitForTip(h, 22);
  const m = await assertExactlyOnce(h, START_TIP, 22);
  assert.equal(m.get('freezewatch_alerts_deduplicated_total'), 0, 'the source emitted nothing twice');
  assert.deepEqual([...new Set(server.blockRequests())].length, server.blockRequests().length, 'no block fetched twice');
});

stest('dropped right after a block notification, with one REST 500 and one 429: still no gap, no duplicate', {}, async (h, t) => {
  const { server, daemon } = h;
  await produce(h, 4); // 5..8
  await waitForTip(h, 8);

  // Block 9 (a listed transfer): its transactions fail once with 500, and the
  // events of its transfer answer 429 + Retry-After: 1 once.
  const tx9 = CHAIN.transfersOf(LISTED, 9, 9)[0].tx_id;
  server.failNext(/^\/extended\/v2\/blocks\/9\/transactions/, { status: 500 });
  server.failNext(new RegExp(`^/extended/v1/tx/events\\?tx_id=${tx9}`), { status: 429, retryAfter: 1 });
  await server.produce(1); // 9: announced ...
  server.dropClients(); // ... and the socket is gone right after
  await produce(h, 2, 0); // 10, 11 while we are away
  await server.waitForSubscribed(2);
  await produce(h, 5); // 12..16 live
  await waitForTip(h, 16);
  const m = await assertExactlyOnce(h, START_TIP, 16);

  const failed = server.requests.filter((r) => r.failed);
  assert.equal(failed.length, 2, 'both scripted failures were hit');
  const ev = server.requests.filter((r) => r.path === '/extended/v1/tx/events' && r.query.includes(tx9));
  assert.ok(ev.length >= 2, 'the 429 was retried');
  const waited = ev[1].at - ev[0].at;
  t.diagnostic(`retried the 429 after ${waited} ms (Retry-After: 1)`);
  assert.ok(waited >= 950, `Retry-After honoured: retried after ${waited} ms`);
  assert.ok(m.get('freezewatch_frames_rejected_total', { source: 'stacks', reason: 'rest_error' }) >= 2, 'REST failures counted');
  assert.equal(m.get('freezewatch_alerts_deduplicated_total'), 0);
});

stest('restart (SIGTERM) while blocks continue: resumes from the saved cursor, backfills, no duplicate', {}, async (h, t) => {
  const { server, daemon } = h;
  await produce(h, 6); // 5..10
  await waitForTip(h, 10);
  await waitForAlerts(h, 'transfer.confirmed', expectedKeys(START_TIP, 10));
  const exit = await daemon.stop();
  assert.equal(exit.code, 0, `clean exit: ${JSON.stringify(exit)}`);

  await produce(h, 6, 0); // 11..16 while freezewatch is down
  const before = server.requests.length;
  await daemon.start();
  await server.waitForSubscribed(2);
  await waitForTip(h, 16);
  const after = server.requests.slice(before).filter((r) => /^\/extended\/v2\/blocks\/\d+$/.test(r.path)).map((r) => Number(r.path.split('/').pop()));
  t.diagnostic(`block headers fetched after the restart: ${after.join(' ')}`);
  assert.deepEqual(after, [11, 12, 13, 14, 15, 16], 'resumed after the saved cursor (10), not from the latest block');
  assert.match(daemon.logs(), /stacks api cursor restored.*tip_height=10/, 'cursor restored from the outbox');

  await produce(h, 4); // 17..20
  await waitForTip(h, 20);
  const m = await assertExactlyOnce(h, START_TIP, 20);
  assert.equal(m.get('freezewatch_alerts_deduplicated_total'), 0, 'nothing re-emitted after the restart');
});

stest('a listed sender in the mempool: transfer.pending before the block, then confirmed with the same base id', {}, async (h, t) => {
  const { server, receiver } = h;
  await produce(h, 4); // 5..8
  await waitForTip(h, 8);

  const listedTx = CHAIN.transfersOf(LISTED, 9, 9).find((x) => x.direction === 'from');
  assert.ok(listedTx, 'block 9 has a transfer from the listed address');
  // An unlisted transfer of a later block, announced too: no alert for it.
  const cleanHeight = CHAIN.heights.find((x) => x > 9 && CHAIN.block(x).transfers.some((y) => y.sender !== LISTED && y.recipient !== LISTED));
  const cleanTx = CHAIN.block(cleanHeight).transfers.find((y) => y.sender !== LISTED && y.recipient !== LISTED);
  await server.sendMempool(mempoolTransaction(CHAIN.rawTx(cleanTx.tx_id)));
  await server.sendMempool(mempoolTransaction(CHAIN.rawTx(listedTx.tx_id)));

  await waitForAlerts(h, 'transfer.pending', [key(listedTx.tx_id, 'from')]);
  const pending = delivered(h, 'transfer.pending')[0];
  const tr = pending.body.data.transfer;
  assert.equal(tr.status, 'pending');
  assert.equal(tr.block_height, null);
  assert.deepEqual(tr.senders, [LISTED]);
  assert.equal(tr.recipient, listedTx.recipient);
  assert.equal(tr.amount.base_units, listedTx.amount);
  assert.equal(tr.memo, listedTx.memo, 'memo as hex without 0x, like the block event');
  assert.equal(server.tip, 8, 'alerted before the block exists');

  await produce(h, cleanHeight - 8); // 9 .. cleanHeight
  await waitForTip(h, cleanHeight);
  await waitForAlerts(h, 'transfer.confirmed', [key(listedTx.tx_id, 'from')]);
  const confirmed = delivered(h, 'transfer.confirmed').find((r) => r.body.data.transfer.tx_id === listedTx.tx_id);
  assert.equal(confirmed.body.data.base_id, pending.body.data.base_id, 'pending and confirmed share the base id');
  assert.ok(pending.at < confirmed.at, 'pending before confirmed');
  await sleep(300);
  assert.equal(receiver.alerts().filter((r) => r.body.data.transfer.tx_id === cleanTx.tx_id).length, 0, 'no alert for an unlisted mempool transfer');
  assert.equal(delivered(h, 'transfer.pending').length, 1);
  t.diagnostic(`pending -> confirmed ${confirmed.at - pending.at} ms`);
});

stest('/readyz says catching up while a backfill runs (slow REST), and ready once it is done', { autostart: false, restDelayMs: 150, timeout: 90000 }, async (h, t) => {
  const { server, daemon } = h;
  // First start: the starting block is fetched slowly.
  await daemon.start();
  const first = await waitFor(async () => {
    const r = await daemon.get('/readyz');
    return r.status === 503 && /^not ready: source stacks: catching_up/.test(r.body) ? r : null;
  }, { timeout: 10000, interval: 20, what: '/readyz 503 catching up at start' });
  t.diagnostic(first.body.split('\n')[0]);
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, { timeout: 15000, what: '/readyz 200 after the first catch-up' });
  assert.equal((await daemon.metrics()).get('freezewatch_source_connected', { source: 'stacks' }), 1);

  // Away while 8 blocks are made; back: backfilling 5..12 takes a while at 150 ms per call.
  server.refuseWs = true;
  server.dropClients();
  await produce(h, 8, 0);
  await daemon.waitForMetrics((m) => m.get('freezewatch_source_reconnects_total', { source: 'stacks' }) >= 1, 'a refused reconnect');
  server.refuseWs = false;
  const during = await waitFor(async () => {
    const r = await daemon.get('/readyz');
    return r.status === 503 && /backfilling blocks 5\.\.12/.test(r.body) ? r : null;
  }, { timeout: 15000, interval: 20, what: '/readyz 503 backfilling blocks 5..12' });
  t.diagnostic(during.body.split('\n')[0]);
  assert.match(during.body, /^not ready: source stacks: catching_up \(backfilling blocks 5\.\.12\)$/m);
  const m = await daemon.metrics();
  assert.equal(m.get('freezewatch_source_connected', { source: 'stacks' }), 1, 'catching up counts as connected');
  assert.ok(m.get('freezewatch_chain_tip_height', { source: 'stacks' }) < 12, 'still behind');

  await waitFor(async () => (await daemon.get('/readyz')).status === 200, { timeout: 30000, what: '/readyz 200 after the backfill' });
  assert.equal((await daemon.metrics()).get('freezewatch_chain_tip_height', { source: 'stacks' }), 12);
  server.restDelayMs = 0;
  await assertExactlyOnce(h, START_TIP, 12);
});

stest('a gap longer than backfill_max_blocks is skipped (logged, counted), not fetched block by block', {}, async (h, t) => {
  const { server, daemon } = h;
  await produce(h, 4); // 5..8
  await waitForTip(h, 8);
  await waitForAlerts(h, 'transfer.confirmed', expectedKeys(START_TIP, 8));
  await daemon.stop();

  // 12 blocks while down; freezewatch may fetch at most 3.
  daemon.config.sources[0].backfill_max_blocks = 3;
  daemon.writeConfig();
  await produce(h, 12, 0); // 9..20
  const before = server.requests.length;
  await daemon.start();
  await server.waitForSubscribed(2);
  await waitForTip(h, 20);
  const fetched = server.requests.slice(before).filter((r) => /^\/extended\/v2\/blocks\/\d+$/.test(r.path)).map((r) => Number(r.path.split('/').pop()));
  t.diagnostic(`block headers fetched after the restart: ${fetched.join(' ')}`);
  assert.deepEqual(fetched, [18, 19, 20], 'only the newest backfill_max_blocks blocks');
  assert.match(daemon.logs(), /level=error msg="stacks api gap too long to backfill: skipping ahead".*gap of 12 blocks \(9\.\.20\) exceeds backfill_max_blocks 3: blocks 9\.\.17 are skipped/);
  const m = await daemon.metrics();
  assert.ok(m.get('freezewatch_frames_rejected_total', { source: 'stacks', reason: 'rest_error' }) >= 1, 'the skip is counted');

  // Alerts: blocks 4..8 and 18..20; nothing from the skipped 9..17.
  const confirmed = [...expectedKeys(START_TIP, 8), ...expectedKeys(18, 20)].sort();
  const final = [...expectedKeys(START_TIP, 8), ...expectedKeys(18, 20 - FINAL_DEPTH + 1)].sort();
  await waitForAlerts(h, 'transfer.confirmed', confirmed);
  await waitForAlerts(h, 'transfer.final', final);
  await sleep(300);
  assert.deepEqual(keysOf(delivered(h, 'transfer.confirmed')), confirmed);
  assert.deepEqual(keysOf(delivered(h, 'transfer.final')), final);
  assert.ok(expectedKeys(9, 17).length > 0, 'the skipped range had listed transfers (not alerted)');
});

stest('reorgs: a tip replaced at the same height (announced) and a fork found through a child block both retract the orphaned transfer', {}, async (h, t) => {
  const { server, daemon } = h;
  const t9 = CHAIN.transfersOf(LISTED, 9, 9)[0];   // from LISTED
  const t12 = CHAIN.transfersOf(LISTED, 12, 12)[0]; // to LISTED
  await produce(h, 5); // 5..9
  await waitForTip(h, 9);
  await waitForAlerts(h, 'transfer.confirmed', [key(t9.tx_id, t9.direction)]);

  // 1. Nakamoto-style: a sibling of block 9 without the listed transfer is announced.
  const r9 = await server.replaceBlock(9, { dropTxIds: [t9.tx_id], notify: true });
  await waitForAlerts(h, 'transfer.retracted', [key(t9.tx_id, t9.direction)]);
  const ret9 = delivered(h, 'transfer.retracted').find((r) => r.body.data.transfer.tx_id === t9.tx_id);
  assert.equal(ret9.body.data.transfer.status_reason, `reorg: block ${r9.old.header.index_block_hash} at height 9 left the canonical chain`);
  await daemon.waitForMetrics((m) => m.get('freezewatch_chain_reorgs_total', { source: 'stacks' }) === 1, 'one reorg');

  // 2. Block 12 is replaced silently; block 13 (child of the new 12) shows it.
  await produce(h, 3); // 10..12
  await waitForTip(h, 12);
  await waitForAlerts(h, 'transfer.confirmed', [key(t12.tx_id, t12.direction)]);
  const r12 = await server.replaceBlock(12, { dropTxIds: [t12.tx_id] });
  await produce(h, 1); // 13, parent = the new 12
  await waitForAlerts(h, 'transfer.retracted', [key(t12.tx_id, t12.direction)]);
  const ret12 = delivered(h, 'transfer.retracted').find((r) => r.body.data.transfer.tx_id === t12.tx_id);
  assert.equal(ret12.body.data.transfer.status_reason, `reorg: block ${r12.old.header.index_block_hash} at height 12 left the canonical chain`);
  await daemon.waitForMetrics((m) => m.get('freezewatch_chain_reorgs_total', { source: 'stacks' }) === 2, 'two reorgs');

  await produce(h, 3); // 14..16
  await waitForTip(h, 16);
  const orphaned = new Set([key(t9.tx_id, t9.direction), key(t12.tx_id, t12.direction)]);
  const confirmed = expectedKeys(START_TIP, 16);
  const final = expectedKeys(START_TIP, 16 - FINAL_DEPTH + 1).filter((k) => !orphaned.has(k));
  await waitForAlerts(h, 'transfer.confirmed', confirmed);
  await waitForAlerts(h, 'transfer.final', final);
  await sleep(300);
  assert.deepEqual(keysOf(delivered(h, 'transfer.confirmed')), confirmed, 'each transfer confirmed once');
  assert.deepEqual(keysOf(delivered(h, 'transfer.retracted')), [...orphaned].sort(), 'exactly the orphaned transfers retracted');
  assert.deepEqual(keysOf(delivered(h, 'transfer.final')), final, 'orphaned transfers never final');
  for (const r of delivered(h, 'transfer.final')) assert.notEqual(r.body.data.transfer.block_height, 9);
  const conf13 = delivered(h, 'transfer.confirmed').find((r) => r.body.data.transfer.block_height === 13);
  assert.ok(conf13, 'block 13 (on the new branch) confirmed');
  t.diagnostic(`block headers fetched: ${server.blockRequests().join(' ')}`);
});

stest('a subscription the API refuses is logged as an error and counted', { autostart: false }, async (h) => {
  const { server, daemon } = h;
  server.rejectSubscribe = true;
  await daemon.start();
  await waitFor(() => server.connections.length >= 1 && server.connections[0].messages.length >= 2, { what: 'two subscribe requests' });
  // "rpc_error" is not one of the metric's reason labels: counted as "other".
  await daemon.waitForMetrics((m) => m.sum('freezewatch_frames_rejected_total', { source: 'stacks' }) >= 2, 'both refusals counted');
  await waitFor(() => /level=error msg="stacks api subscription refused" source=stacks event=mempool error="-32603: scripted failure"/.test(daemon.logs()),
    { what: 'the refusal logged' });
});
