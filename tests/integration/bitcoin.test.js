'use strict';
// The Bitcoin source (type mempool_space) against a scripted
// mempool.space-compatible websocket server (lib/mempool_space_server.js)
// serving the recorded frames in ../shared/fixtures/bitcoin/mempool-space:
//   pending -> confirmed -> final; removed -> retracted (the recorded RBF pair);
//   a reorg retracts and the re-inclusion confirms again;
//   chunking: more addresses than max_tracked_addresses -> several connections;
//   a server limit below the configured one -> track-addresses-error -> re-chunked;
//   every address is tracked again after the server drops the connections,
//   and a listing added by a SIGHUP reload is tracked and alerts.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { Daemon, newSecret } = require('./lib/daemon');
const { Receiver } = require('./lib/receiver');
const { MempoolSpaceServer, fixture, payment } = require('./lib/mempool_space_server');
const { sleep, waitFor } = require('./lib/wait');

// Addresses of the recorded transactions.
const RBF_SENDER = '1stAprEZapjCYGUACUcXohQqSHF9MU5Kj'; // tx01 and tx02 spend from it (tx02 pays it back)
const TAPROOT = 'bc1p5t79edz9w4fcnmkjjk4e6k2tp7kd8cqggz37gal60sp9gyk9x72sk4mk0f'; // tx01's recipient
const SEGWIT_SENDER = 'bc1qmxr9gxrtjrv4mflrrgcf986mtd4q4ujss432tk'; // mainnet_tx_cached
const SEGWIT_RECIPIENT = 'bc1qak63vld8a97884unr6epxzkrud8xs3dfdqswy2';
// More listed addresses (OFAC SDN XBT list), for the chunking tests.
const OFAC = [
  '123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX',
  '125W5ek3DT6Zqy5S2iPt4FHQdNMCbZA3FU',
  '1295rkVyNfFpqZpXvKGhDqwhP1jZcNNDMV',
  'bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw',
  'bc1q202ajnhxgg9d9jjczmg0g4usp6haqldyy2eakl',
];
const CLEAN = 'bc1q237mvl0heyw0r38wd3xz8h5mar96rrwpams8pp'; // on no test list
const NEW_LISTING = '129zKFLoVad9JtxSmDKeJoLCsjhGR7b3vr'; // added by the reload test

const TX01 = fixture('tx01_api_cached.json'); // replaced by tx02
const TX02 = fixture('tx02_api_tx.json');
const MAINNET_TX = fixture('mainnet_tx_cached.json');
const FIXTURE_BLOCK = fixture('tx02_ws_block.json').block;

function csv(addresses) {
  return ['address,chain,label,incident,source,severity,added_at,notes',
    ...addresses.map((a) => `${a},bitcoin,Test listing,it-btc,integration test,high,2025-04-01,`), ''].join('\n');
}

function sourceConfig(server, overrides = {}) {
  return {
    name: 'btc',
    type: 'mempool_space',
    url: server.url,
    network: 'mainnet',
    final_depth: 6,
    max_tracked_addresses: 100,
    connect_timeout_ms: 2000,
    idle_timeout_ms: 10000,
    ping_interval_ms: 1000,
    stale_after_ms: 0,
    max_frame_bytes: 1048576,
    reconnect: { initial_ms: 20, max_ms: 200 },
    ...overrides,
  };
}

// One scenario: a server, a receiver, freezewatch with the mempool_space source.
// opts: {listed: [addresses], source: overrides, serverLimit}
function btest(name, opts, body) {
  const timeout = opts.timeout || 60000;
  test(name, { timeout: timeout + 15000 }, async (t) => {
    const h = { server: null, receiver: null, daemon: null };
    let failed = true;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario did not finish within ${timeout} ms`)), timeout);
    });
    try {
      await Promise.race([
        (async () => {
          const secret = newSecret();
          h.server = await new MempoolSpaceServer({ maxTracked: opts.serverLimit || 100 }).start();
          h.receiver = await new Receiver({ secrets: [secret], name: 'compliance' }).start();
          h.daemon = await Daemon.create({
            sources: [sourceConfig(h.server, opts.source)],
            webhooks: [{ name: 'compliance', type: 'http', url: h.receiver.url(), secrets: ['${FW_IT_SECRET}'], timeout_ms: 2000,
              concurrency: 2, retry: { initial_ms: 50, max_ms: 200 }, retry_for_ms: 120000 }],
            watchlistCsv: csv(opts.listed || [RBF_SENDER, SEGWIT_SENDER]),
            env: { FW_IT_SECRET: secret },
          });
          await h.daemon.start();
          await body(h, t);
        })(),
        deadline,
      ]);
      failed = false;
    } catch (e) {
      let text = '';
      if (h.daemon) text += `temp dir: ${h.daemon.dir}\n` + h.daemon.logs();
      if (h.receiver) for (const q of h.receiver.requests) text += `webhook ${q.type} id=${q.id} answer=${q.answer}\n`;
      if (h.server) {
        text += `----- server: ${h.server.connections.length} connections -----\n`;
        h.server.connections.forEach((c, i) => (text += `#${i + 1} closed=${c.closed} tracked=${c.tracked ? c.tracked.size : 0} messages=${JSON.stringify(c.messages).slice(0, 2000)}\n`));
        text += `sent: ${JSON.stringify(h.server.sent)}\n`;
      }
      process.stderr.write(`\n===== ${name}: FAILED =====\n${text}\n`);
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

// Delivered alerts of a stage (and optionally a tx), body.data of each.
function alertsOf(receiver, stage, txid) {
  return receiver.delivered().map((r) => r.body.data).filter((d) => d.stage === stage && (!txid || d.transfer.tx_id === txid));
}

async function waitForAlert(receiver, stage, txid, n = 1, timeout = 10000) {
  await waitFor(() => alertsOf(receiver, stage, txid).length >= n, {
    timeout, what: `${n} ${stage} alert(s) for ${txid ? txid.slice(0, 12) : 'any tx'} (have ${receiver.delivered().map((r) => r.body.data.stage).join(',')})`,
  });
  return alertsOf(receiver, stage, txid);
}

btest('a mempool transaction alerts pending, its block confirmed, and six blocks later final', {}, async ({ server, receiver, daemon }) => {
  await server.waitForTracked([RBF_SENDER, SEGWIT_SENDER], { connections: 1 });
  const conn = server.open()[0];
  assert.ok(conn.wantsBlocks, 'the source asks for blocks');
  assert.deepEqual(conn.messages.find((m) => m['track-addresses'])['track-addresses'], [RBF_SENDER, SEGWIT_SENDER].sort());

  await server.mempool(MAINNET_TX);
  const [pending] = await waitForAlert(receiver, 'pending', MAINNET_TX.txid);
  assert.equal(pending.direction, 'from');
  assert.equal(pending.listed_address, SEGWIT_SENDER);
  assert.equal(pending.transfer.chain, 'bitcoin');
  assert.equal(pending.transfer.chain_name, 'bitcoin');
  assert.deepEqual(pending.transfer.senders, [SEGWIT_SENDER]);
  assert.equal(pending.transfer.recipient, SEGWIT_RECIPIENT);
  assert.deepEqual(pending.transfer.amount, { base_units: '253008854', decimal: '2.53008854', display: '2.53008854 BTC' });
  assert.deepEqual(pending.transfer.asset, { symbol: 'BTC', contract: '', decimals: 8 });
  assert.equal(pending.transfer.status, 'pending');
  assert.equal(pending.transfer.block_height, null);

  // The first mined block is the recorded block frame (890448).
  await server.mine([MAINNET_TX.txid]);
  const [confirmed] = await waitForAlert(receiver, 'confirmed', MAINNET_TX.txid);
  assert.equal(confirmed.base_id, pending.base_id, 'one base id across stages');
  assert.equal(confirmed.transfer.block_height, FIXTURE_BLOCK.height);
  assert.equal(confirmed.transfer.block_hash, FIXTURE_BLOCK.id);
  assert.equal(Date.parse(confirmed.transfer.block_time), FIXTURE_BLOCK.timestamp * 1000);

  await server.mineEmpty(4);
  await sleep(300);
  assert.equal(alertsOf(receiver, 'final', MAINNET_TX.txid).length, 0, 'five confirmations are not final yet');
  await server.mineEmpty(1);
  const [final] = await waitForAlert(receiver, 'final', MAINNET_TX.txid);
  assert.equal(final.base_id, pending.base_id);
  assert.equal(final.transfer.block_height, FIXTURE_BLOCK.height);

  const m = await daemon.waitForMetrics((x) => x.sum('freezewatch_chain_blocks_total', { source: 'btc' }) >= 6, 'blocks counted');
  assert.equal(m.sum('freezewatch_frames_rejected_total', { source: 'btc' }), 0, 'no frame rejected');
  assert.equal(receiver.delivered().length, 3, 'pending, confirmed, final: nothing else');
  // Application pings every ping_interval_ms, answered with {"pong":true}.
  await waitFor(() => conn.messages.some((x) => x.action === 'ping'), { timeout: 5000, what: 'an application ping' });
});

btest('the recorded replace-by-fee pair: the replaced transaction is retracted, the replacement confirms', {}, async ({ server, receiver }) => {
  await server.waitForTracked([RBF_SENDER]);
  await server.mempool(TX01);
  const [pending] = await waitForAlert(receiver, 'pending', TX01.txid);
  assert.equal(pending.direction, 'from');
  assert.equal(pending.transfer.recipient, TAPROOT);
  assert.equal(pending.transfer.amount.base_units, '49394');

  // mempool.space reports the eviction under "removed".
  await server.remove(TX01.txid);
  const [retracted] = await waitForAlert(receiver, 'retracted', TX01.txid);
  assert.equal(retracted.base_id, pending.base_id);
  assert.equal(retracted.transfer.status_reason, 'dropped: removed from the mempool');
  assert.equal(retracted.recommended_action, 'none');

  // tx02 pays the listed address back to itself: a "from" and a "to" alert per stage.
  await server.mempool(TX02);
  const p2 = await waitForAlert(receiver, 'pending', TX02.txid, 2);
  assert.deepEqual(p2.map((d) => d.direction).sort(), ['from', 'to']);
  await server.mine([TX02.txid]);
  const c2 = await waitForAlert(receiver, 'confirmed', TX02.txid, 2);
  assert.ok(c2.every((d) => d.transfer.block_hash === FIXTURE_BLOCK.id));
  await sleep(300);
  assert.equal(alertsOf(receiver, 'retracted', TX02.txid).length, 0);
});

btest('a reorg retracts a confirmed transfer; its re-inclusion confirms it again under a new revision', {}, async ({ server, receiver }) => {
  await server.waitForTracked([SEGWIT_SENDER]);
  await server.mempool(MAINNET_TX);
  await server.mine([MAINNET_TX.txid]);
  const [confirmed] = await waitForAlert(receiver, 'confirmed', MAINNET_TX.txid);
  assert.equal(confirmed.transfer.revision, 0);

  // The block holding it is replaced by a longer branch without it.
  await server.reorg(1, [[], []]);
  const [retracted] = await waitForAlert(receiver, 'retracted', MAINNET_TX.txid);
  assert.match(retracted.transfer.status_reason, new RegExp(`^reorg: block ${FIXTURE_BLOCK.id} at height ${FIXTURE_BLOCK.height} left the canonical chain`));

  await server.mine([MAINNET_TX]);
  await waitFor(() => alertsOf(receiver, 'confirmed', MAINNET_TX.txid).some((d) => d.transfer.revision === 1),
    { timeout: 10000, what: 'confirmed again with revision 1' });
  const again = alertsOf(receiver, 'confirmed', MAINNET_TX.txid).find((d) => d.transfer.revision === 1);
  assert.equal(again.transfer.block_height, FIXTURE_BLOCK.height + 2);
  assert.notEqual(again.alert_id, confirmed.alert_id);
});

btest('more addresses than max_tracked_addresses are spread over several connections', {
  listed: [RBF_SENDER, SEGWIT_SENDER, ...OFAC], source: { max_tracked_addresses: 3 },
}, async ({ server, receiver, daemon }) => {
  const all = [RBF_SENDER, SEGWIT_SENDER, ...OFAC];
  await server.waitForTracked(all, { connections: 3 });
  for (const c of server.open()) assert.ok(c.tracked.size <= 3, `a connection tracks ${c.tracked.size}`);
  assert.ok(server.open().every((c) => c.wantsBlocks));
  assert.equal(server.connections.reduce((n, c) => n + c.errors, 0), 0);

  // A transaction paying the last listed address alerts once, though every connection gets the block.
  const tx = payment({ label: 'chunk-1', from: [CLEAN], to: [[OFAC[4], 12345], [CLEAN, 1000]] });
  await server.mempool(tx);
  const [pending] = await waitForAlert(receiver, 'pending', tx.txid);
  assert.equal(pending.direction, 'to');
  assert.equal(pending.listed_address, OFAC[4]);
  await server.mine([tx.txid]);
  await waitForAlert(receiver, 'confirmed', tx.txid);
  await sleep(300);
  assert.equal(receiver.delivered().length, 2);

  // From an address on the first connection to one on the last: each connection
  // reports it (in the mempool and in the block); it alerts once per listed end.
  const cross = payment({ label: 'chunk-2', from: [OFAC[0]], to: [[OFAC[4], 1]] });
  const holders = server.open().filter((c) => c.tracked && (c.tracked.has(OFAC[0]) || c.tracked.has(OFAC[4])));
  assert.equal(holders.length, 2, 'the two addresses are on different connections');
  assert.equal(await server.mempool(cross), 2);
  await waitForAlert(receiver, 'pending', cross.txid, 2);
  await server.mine([cross.txid]);
  const confirmed = await waitForAlert(receiver, 'confirmed', cross.txid, 2);
  assert.deepEqual(confirmed.map((d) => `${d.direction}:${d.listed_address}`).sort(), [`from:${OFAC[0]}`, `to:${OFAC[4]}`]);
  await sleep(300);
  assert.equal(receiver.delivered().length, 6);
  const m = await daemon.metrics();
  assert.equal(m.sum('freezewatch_frames_rejected_total', { source: 'btc' }), 0);
});

btest('a server limit below the configured one is learned from track-addresses-error and the list re-chunked', {
  listed: [RBF_SENDER, SEGWIT_SENDER, ...OFAC], source: { max_tracked_addresses: 5 }, serverLimit: 2,
}, async ({ server, receiver, daemon }) => {
  const all = [RBF_SENDER, SEGWIT_SENDER, ...OFAC];
  await server.waitForTracked(all, { connections: 4 }); // 7 addresses, 2 per connection
  assert.ok(server.connections.some((c) => c.errors > 0), 'the server refused the first lists');
  for (const c of server.open()) assert.ok(c.tracked.size <= 2);
  const m = await daemon.waitForMetrics((x) => x.sum('freezewatch_frames_rejected_total', { source: 'btc', reason: 'other' }) >= 1, 'refusals counted');
  assert.ok(m.sum('freezewatch_frames_rejected_total', { source: 'btc', reason: 'other' }) >= 1);

  const tx = payment({ label: 'limit-1', from: [OFAC[0], OFAC[3]], to: [[CLEAN, 777]] });
  await server.mempool(tx);
  const pending = await waitForAlert(receiver, 'pending', tx.txid, 2);
  assert.deepEqual(pending.map((d) => d.listed_address).sort(), [OFAC[0], OFAC[3]].sort(), 'every input address is checked');
  assert.ok(pending.every((d) => d.direction === 'from' && d.transfer.senders.length === 2));
});

btest('every address is tracked again after the server drops the connections', {
  listed: [RBF_SENDER, SEGWIT_SENDER, ...OFAC], source: { max_tracked_addresses: 4 },
}, async ({ server, receiver }) => {
  const all = [RBF_SENDER, SEGWIT_SENDER, ...OFAC];
  await server.waitForTracked(all, { connections: 2 });
  const before = server.connections.length;
  assert.equal(server.dropClients(), 2);
  await server.waitForTracked(all, { connections: 2 });
  assert.ok(server.connections.length >= before + 2, 'new connections');
  assert.ok(server.open().every((c) => c.wantsBlocks && c.trackRequests === 1));

  await server.mempool(MAINNET_TX);
  await waitForAlert(receiver, 'pending', MAINNET_TX.txid);
  await server.mine([MAINNET_TX.txid]);
  await waitForAlert(receiver, 'confirmed', MAINNET_TX.txid);
});

btest('an address listed by a reload (SIGHUP) is tracked and alerts', {}, async ({ server, receiver, daemon }) => {
  await server.waitForTracked([RBF_SENDER, SEGWIT_SENDER], { connections: 1 });
  assert.ok(!server.trackedAddresses().has(NEW_LISTING));
  fs.writeFileSync(path.join(daemon.dir, 'watchlist.csv'), csv([RBF_SENDER, SEGWIT_SENDER, NEW_LISTING]));
  daemon.proc.kill('SIGHUP');
  await server.waitForTracked([RBF_SENDER, SEGWIT_SENDER, NEW_LISTING], { connections: 1 });
  assert.equal(server.open()[0].trackRequests, 2, 'the list was re-sent on the open connection');

  const tx = payment({ label: 'reload-1', from: [CLEAN], to: [[NEW_LISTING, 5000000]] });
  await server.mempool(tx);
  const [pending] = await waitForAlert(receiver, 'pending', tx.txid);
  assert.equal(pending.listed_address, NEW_LISTING);
  assert.equal(pending.direction, 'to');
  assert.equal(pending.transfer.amount.decimal, '0.05');
});

btest('after a restart the cursor is restored: blocks mined while down make the transfer final, nothing repeats', {}, async ({ server, receiver, daemon }) => {
  await server.waitForTracked([SEGWIT_SENDER]);
  await server.mempool(MAINNET_TX);
  await server.mine([MAINNET_TX.txid]);
  await waitForAlert(receiver, 'confirmed', MAINNET_TX.txid);
  await daemon.stop();

  await server.mineEmpty(5); // 890449..890453 while freezewatch is down
  await daemon.start();
  // The `blocks` list sent after `want` links to the saved window: 890448 gets its sixth confirmation.
  const [final] = await waitForAlert(receiver, 'final', MAINNET_TX.txid);
  assert.equal(final.transfer.block_height, FIXTURE_BLOCK.height);
  await sleep(300);
  assert.equal(receiver.delivered().length, 3, 'pending and confirmed are not sent again');
  const m = await daemon.metrics();
  assert.equal(m.get('freezewatch_chain_tip_height', { source: 'btc' }), FIXTURE_BLOCK.height + 5);
});

btest('a shorter list after a reload closes the connections no longer needed', {
  listed: [RBF_SENDER, SEGWIT_SENDER, ...OFAC], source: { max_tracked_addresses: 3 },
}, async ({ server, receiver, daemon }) => {
  await server.waitForTracked([RBF_SENDER, SEGWIT_SENDER, ...OFAC], { connections: 3 });
  fs.writeFileSync(path.join(daemon.dir, 'watchlist.csv'), csv([RBF_SENDER, SEGWIT_SENDER]));
  daemon.proc.kill('SIGHUP');
  await server.waitForTracked([RBF_SENDER, SEGWIT_SENDER], { connections: 1 });
  assert.deepEqual([...server.trackedAddresses()].sort(), [RBF_SENDER, SEGWIT_SENDER].sort(), 'delisted addresses are no longer tracked');
  const r = await daemon.get('/readyz');
  assert.equal(r.status, 200, r.body);

  // Still watching: the remaining connection gets blocks and transactions.
  await server.mempool(MAINNET_TX);
  await waitForAlert(receiver, 'pending', MAINNET_TX.txid);
  await server.mine([MAINNET_TX.txid]);
  await waitForAlert(receiver, 'confirmed', MAINNET_TX.txid);
});
