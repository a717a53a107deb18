'use strict';
// Watchlist reloads without a restart: on SIGHUP and when the file changes.
// The next deposit from a newly listed address alerts, under the new
// watchlist version, and the one it sent before being listed alerts as
// transfer.retro (retro-scan); a broken list keeps the previous snapshot live.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { itest } = require('./lib/harness');
const { deposit, CLEAN, WATCHLIST_CSV } = require('./lib/events');

itest(
  'a listing added to the file alerts after SIGHUP and after a file change; a broken list is refused',
  { configure: (cfg) => Object.assign(cfg.watchlists, { watch_files: true, poll_interval_ms: 100 }) },
  async (h, t) => {
    const { feed, receiver, daemon } = h;
    const file = path.join(daemon.dir, 'watchlist.csv');
    const m0 = await daemon.metrics();
    const [v0] = m0.find('freezewatch_watchlist_version_info');

    // Not listed yet: no alert.
    await feed.send(deposit('d-w-1', { from: 'clean' }));
    await daemon.waitForMetrics((m) => m.get('freezewatch_transfers_decoded_total', { source: 'exchange' }) === 1, 'decoded');
    assert.equal(receiver.alerts().length, 0);

    // List the Stacks sender and tell freezewatch (SIGHUP; the poller may see the change first).
    fs.writeFileSync(file, WATCHLIST_CSV + `${CLEAN.stacks},stacks,Newly reported,inc-2,Internal,critical,,\n`);
    daemon.proc.kill('SIGHUP');
    const m1 = await daemon.waitForMetrics((m) => m.get('freezewatch_watchlist_entries') === 4, 'reloaded list with 4 entries');
    const [v1] = m1.find('freezewatch_watchlist_version_info');
    assert.notEqual(v1.labels.version, v0.labels.version, 'the version label follows the live snapshot');
    assert.equal(m1.find('freezewatch_watchlist_version_info').length, 1, 'the old version series is gone');
    assert.ok(m1.get('freezewatch_watchlist_reloads_total') >= 2);

    // The deposit sent before the listing is found again by the retro-scan.
    const [retro] = await receiver.waitForDelivered(1);
    assert.ok(retro.valid, retro.error);
    assert.equal(retro.body.type, 'transfer.retro');
    assert.equal(retro.body.data.deposit.deposit_id, 'd-w-1');

    await feed.send(deposit('d-w-2', { from: 'clean' }));
    const alert = (await receiver.waitForDelivered(2)).find((a) => a.body.data.deposit.deposit_id === 'd-w-2');
    assert.ok(alert.valid, alert.error);
    assert.equal(alert.body.type, 'transfer.pending');
    assert.equal(alert.body.data.deposit.deposit_id, 'd-w-2');
    assert.equal(alert.body.data.listed_address, CLEAN.stacks);
    assert.equal(alert.body.data.watchlist.entries[0].incident, 'inc-2');
    assert.ok(v1.labels.version.startsWith(alert.body.data.watchlist.version) || alert.body.data.watchlist.version.startsWith(v1.labels.version),
      `alert carries the live version (${alert.body.data.watchlist.version} vs ${v1.labels.version})`);

    // A broken strict list (bad checksum) is refused; the previous snapshot stays live.
    const failuresBefore = m1.get('freezewatch_watchlist_reload_failures_total');
    fs.writeFileSync(file, WATCHLIST_CSV + 'SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRT,stacks,typo,,,,,\n');
    const m2 = await daemon.waitForMetrics(
      (m) => m.get('freezewatch_watchlist_reload_failures_total') > failuresBefore,
      'the broken list is refused (file change picked up by the poller)',
    );
    assert.equal(m2.get('freezewatch_watchlist_entries'), 4, 'previous snapshot still live');
    await feed.send(deposit('d-w-3', { from: 'clean' }));
    await receiver.waitForDelivered(3);
    t.diagnostic(`watchlist versions ${v0.labels.version.slice(0, 12)} -> ${v1.labels.version.slice(0, 12)}`);
  },
);
