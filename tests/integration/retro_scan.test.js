'use strict';
// Retro-scan (docs/alerts.md "retro", docs/configuration.md `retro`):
// deposits from clean senders stream through first; then one sender is
// listed. Exactly its recorded deposits inside the window alert as
// transfer.retro (one each, with the original received_at, the stage they
// had reached and the action that stage calls for); none for other senders,
// none for a deposit that was retracted, none for deposits older than the
// window, and listing the address again does not alert again. A list reload
// (SIGHUP) that adds an address scans it too.
//
// "Older than the window": window_hours is at least 1, so rather than wait
// an hour the test stops the daemon and moves the stored received_at of the
// first batch two hours back in retro.db (sqlite3), then restarts it.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { itest } = require('./lib/harness');
const { deposit, WATCHLIST_CSV } = require('./lib/events');
const { AdminApi, withAdminTokens, stacksAddress, startScenario } = require('./lib/admin_api');
const { sleep, waitFor } = require('./lib/wait');

const OPTS = {
  autostart: false,
  timeout: 55000,
  configure: (cfg) => {
    cfg.retro = { enabled: true, window_hours: 1 };
  },
};

function retroAlerts(receiver) {
  const byId = new Map();
  for (const r of receiver.delivered()) if (r.type === 'transfer.retro' && !byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()];
}

function retroDeliveries(receiver) {
  return receiver.delivered().filter((r) => r.type === 'transfer.retro');
}

// Sends the deposits and waits until the retro index holds `stored` transfers.
async function stream(h, events, stored) {
  for (const e of events) await h.feed.send(e);
  await h.daemon.waitForMetrics((m) => m.get('freezewatch_retro_index_transfers') === stored, `retro index holds ${stored} transfers`, 10000);
}

// Waits until no retro-scan is in flight and every alert is delivered, and
// `settle` ms more pass with no new delivery.
async function quiet(h, settle = 1000) {
  let n = -1;
  await waitFor(
    async () => {
      const m = await h.daemon.metrics();
      const now = h.receiver.requests.length;
      const done = m.get('freezewatch_outbox_pending') === 0 && now === n;
      n = now;
      return done;
    },
    { timeout: 10000, interval: settle, what: 'no more alerts' },
  );
}

itest('listing a sender retro-alerts exactly its deposits inside the window, once; a reload scans too', OPTS, async (h, t) => {
  const { daemon, feed, receiver } = h;
  const { alice } = withAdminTokens(daemon);
  await startScenario(h);
  const api = new AdminApi(daemon, alice);
  const [S1, S2, S3, S4] = [1, 2, 3, 4].map((i) => stacksAddress(`retro-sender-${i}`));

  // Batch 1 (to be aged out of the window): S1 and S2.
  await stream(h, [deposit('d-old-1', { from: S1 }), deposit('d-old-2', { from: S1 }), deposit('d-old-3', { from: S2 })], 3);

  // Age batch 1 by two hours (window: one hour) while the daemon is down.
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null });
  const db = path.join(daemon.dir, 'state', 'retro.db');
  assert.ok(fs.existsSync(db), `${db} exists`);
  execFileSync('sqlite3', [db, 'UPDATE transfers SET received_at_ms = received_at_ms - 7200000;']);
  await startScenario(h);
  const m0 = await daemon.waitForMetrics((m) => m.get('freezewatch_retro_index_transfers') === 0, 'the aged transfers pruned at start');
  assert.equal(m0.get('freezewatch_retro_dropped_total', { reason: 'window' }), 3);

  // Batch 2, inside the window: S1 (pending, credited, pending -> confirmed, pending -> failed),
  // S2, S3 and S4 a few each.
  const t0 = Date.now();
  const batch2 = [
    deposit('d-s1-a', { from: S1, amount: '1000000' }),
    deposit('d-s2-a', { from: S2 }),
    deposit('d-s1-b', { from: S1, amount: '2000000', status: 'credited' }),
    deposit('d-s3-a', { from: S3 }),
    deposit('d-s1-c', { from: S1, amount: '3000000' }),
    deposit('d-s4-a', { from: S4 }),
    deposit('d-s1-c', { from: S1, amount: '3000000', status: 'confirmed' }), // an update of d-s1-c
    deposit('d-s1-x', { from: S1, amount: '4000000' }),
    deposit('d-s1-x', { from: S1, amount: '4000000', status: 'failed' }), // retracted: dropped from the index
    deposit('d-s2-b', { from: S2 }),
    deposit('d-s3-b', { from: S3, status: 'credited' }),
  ];
  await stream(h, batch2, 8); // 11 events: d-s1-c replaced, d-s1-x removed by its retraction
  const t1 = Date.now();
  assert.equal(receiver.alerts().length, 0, 'nothing listed yet, nothing alerted');

  // List S1 through the API: one retro alert per recorded, unretracted, in-window deposit of S1.
  const added = Date.now();
  const r = await api.add([{ address: S1, label: 'published late', incident: 'inc-retro' }]);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.new_addresses, 1, r.body);
  await receiver.waitForRequests((q) => q.type === 'transfer.retro', 3, 10000, 'retro alerts for S1');
  await quiet(h);
  const s1 = retroAlerts(receiver);
  assert.deepEqual(s1.map((a) => a.body.data.deposit.deposit_id).sort(), ['d-s1-a', 'd-s1-b', 'd-s1-c'],
    'exactly the in-window, unretracted deposits of S1');
  assert.equal(retroDeliveries(receiver).length, 3, 'each delivered once');
  const stage = { 'd-s1-a': ['pending', 'freeze_deposit'], 'd-s1-b': ['credited', 'freeze_account'], 'd-s1-c': ['confirmed', 'freeze_deposit'] };
  for (const a of s1) {
    const d = a.body.data;
    assert.ok(a.valid, a.error);
    assert.equal(d.stage, 'retro');
    assert.equal(a.id, `${d.base_id}_retro`);
    assert.equal(d.alert_id, a.id);
    assert.equal(d.listed_address, S1);
    assert.equal(d.direction, 'from');
    assert.equal(d.watchlist.entries[0].incident, 'inc-retro');
    const [st, action] = stage[d.deposit.deposit_id];
    assert.equal(d.retro.transfer_stage, st, `${d.deposit.deposit_id} stage`);
    assert.equal(d.recommended_action, action, `${d.deposit.deposit_id} action`);
    // The original time: received while streaming batch 2, before the listing.
    const rec = Date.parse(d.transfer.received_at);
    assert.ok(rec >= t0 - 50 && rec <= t1 + 50, `${d.deposit.deposit_id}: received_at ${d.transfer.received_at} inside batch 2`);
    assert.ok(rec < added, 'received before the address was listed');
    assert.ok(Date.parse(a.body.timestamp) >= added - 50, 'the alert is made after the listing');
    assert.ok(d.retro.listed_after_ms > 0 && Math.abs(d.retro.listed_after_ms - (added - rec)) < 1000,
      `${d.deposit.deposit_id}: listed_after_ms ${d.retro.listed_after_ms} ~ ${added - rec}`);
  }
  const amounts = Object.fromEntries(s1.map((a) => [a.body.data.deposit.deposit_id, a.body.data.transfer.amount.base_units]));
  assert.deepEqual(amounts, { 'd-s1-a': '1000000', 'd-s1-b': '2000000', 'd-s1-c': '3000000' });

  // Listing S1 again (same entry updated, and under another incident): no new retro alert.
  assert.equal((await api.add([{ address: S1, label: 'published late', incident: 'inc-retro', severity: 'critical' }])).json.updated, 1);
  const again = await api.add([{ address: S1, incident: 'inc-other' }]);
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.new_addresses, 0, again.body);
  await sleep(1500);
  await quiet(h);
  assert.equal(retroDeliveries(receiver).length, 3, 'no retro alert a second time');

  // A new deposit from S1 now alerts live (pending), not retro.
  await feed.send(deposit('d-s1-live', { from: S1 }));
  const live = await receiver.waitForRequests((q) => q.body?.data?.deposit?.deposit_id === 'd-s1-live', 1, 5000, 'live alert');
  assert.equal(live[0].type, 'transfer.pending');

  // A reload of the file list adding S3: its deposits retro-alert; S2 and S4 never.
  fs.writeFileSync(path.join(daemon.dir, 'watchlist.csv'), WATCHLIST_CSV + `${S3},stacks,Reported by a partner,inc-file,partner,high,,\n`);
  daemon.proc.kill('SIGHUP');
  await receiver.waitForRequests((q) => q.type === 'transfer.retro' && q.body.data.listed_address === S3, 2, 10000, 'retro alerts for S3');
  await quiet(h);
  const s3 = retroAlerts(receiver).filter((a) => a.body.data.listed_address === S3);
  assert.deepEqual(s3.map((a) => a.body.data.deposit.deposit_id).sort(), ['d-s3-a', 'd-s3-b']);
  assert.equal(s3.find((a) => a.body.data.deposit.deposit_id === 'd-s3-b').body.data.retro.transfer_stage, 'credited');
  assert.equal(s3[0].body.data.watchlist.entries[0].kind, 'file');
  const all = retroAlerts(receiver);
  assert.equal(all.length, 5, `retro alerts: ${all.map((a) => a.body.data.deposit.deposit_id).join(', ')}`);
  assert.equal(retroDeliveries(receiver).length, 5);
  for (const a of receiver.alerts()) {
    assert.ok(![S2, S4].includes(a.body.data.listed_address), `no alert names never-listed ${a.body.data.listed_address}`);
    assert.ok(!a.body.data.deposit.deposit_id.startsWith('d-old-'), `nothing for the aged deposit ${a.body.data.deposit.deposit_id}`);
    assert.notEqual(a.body.data.deposit.deposit_id, 'd-s1-x', 'nothing for the retracted deposit');
  }

  const m = await daemon.metrics();
  assert.ok(m.get('freezewatch_retro_scans_total') >= 2, 'retro scans counted');
  assert.equal(m.get('freezewatch_retro_alerts_total'), 5);
  const count = m.get('freezewatch_retro_scan_duration_seconds_count');
  const sum = m.get('freezewatch_retro_scan_duration_seconds_sum');
  t.diagnostic(`retro scans: ${count}, mean duration ${((sum / count) * 1000).toFixed(2)} ms; ` +
    `found ${m.get('freezewatch_retro_transfers_found_total')} transfers, ${m.get('freezewatch_retro_alerts_total')} alerts`);
});
