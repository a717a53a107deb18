'use strict';
// A remote watchlist (watchlists.files[].url, docs/configuration.md): a local
// HTTP server serves a CSV list with an ETag, polled every second.
//   - the listed address alerts, with kind "remote" provenance;
//   - an unchanged list: the poll sends If-None-Match and gets a 304
//     (counted as not_modified), nothing reloaded;
//   - the list changes: the new address alerts after the next poll;
//   - the server answers 500: failures counted, the old list kept (both
//     addresses still alert), the age metric grows; back to 200/304 after.

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { deposit } = require('./lib/events');
const { waitFor } = require('./lib/wait');
const { ListServer } = require('./lib/list_server');
const { AdminApi, withAdminTokens, stacksAddress, startScenario } = require('./lib/admin_api');

const HEADER = 'address,chain,label,incident,source,severity,added_at,notes\n';
const R1 = stacksAddress('remote-1');
const R2 = stacksAddress('remote-2');
const row = (a, label) => `${a},stacks,${label},remote-inc,partner feed,critical,2024-05-16,\n`;

function alertFor(receiver, depositId) {
  return waitFor(
    () => receiver.delivered().find((r) => r.body.data.deposit && r.body.data.deposit.deposit_id === depositId),
    { timeout: 5000, what: `an alert for ${depositId}` },
  );
}

function fetches(m, result) {
  return m.get('freezewatch_watchlist_remote_fetches_total', { list: 'remote', result }) || 0;
}

itest('remote list: listed address alerts; 304 on an unchanged list; a change is picked up; a 500 keeps the old list', { autostart: false, timeout: 50000 }, async (h, t) => {
  const { daemon, feed, receiver } = h;
  const server = await new ListServer(HEADER + row(R1, 'first')).start();
  try {
    const { alice } = withAdminTokens(daemon);
    const api = new AdminApi(daemon, alice);
    daemon.config.watchlists.files.push({ name: 'remote', url: server.url(), interval_ms: 1000, timeout_ms: 2000 });
    daemon.writeConfig();
    await startScenario(h);

    // The first poll at start: the list is loaded, R1 alerts.
    await daemon.waitForMetrics((m) => fetches(m, 'updated') >= 1, 'first remote fetch');
    await waitFor(async () => (await api.get(R1)).status === 200, { what: 'R1 listed' });
    await feed.send(deposit('d-r-1', { from: R1 }));
    const a1 = await alertFor(receiver, 'd-r-1');
    assert.ok(a1.valid, a1.error);
    assert.equal(a1.body.data.listed_address, R1);
    const e1 = a1.body.data.watchlist.entries[0];
    assert.equal(e1.kind, 'remote');
    assert.equal(e1.list, 'remote');
    assert.equal(e1.label, 'first');
    assert.equal(e1.incident, 'remote-inc');

    // Unchanged: the next poll is conditional and answered 304.
    await waitFor(() => server.count(304) >= 1, { what: 'a 304', timeout: 5000 });
    const cond = server.requests.find((r) => r.status === 304);
    assert.equal(cond.headers['if-none-match'], server.etag, 'If-None-Match carries the ETag of the last 200');
    const m1 = await daemon.waitForMetrics((m) => fetches(m, 'not_modified') >= 1, 'not_modified counted');
    assert.ok(m1.get('freezewatch_watchlist_remote_age_seconds', { list: 'remote' }) !== undefined, 'remote age metric present');
    assert.equal(server.count(200), 1, 'the unchanged list was downloaded once');

    // The list changes: R2 alerts after the next poll.
    server.set(HEADER + row(R1, 'first') + row(R2, 'second'));
    await daemon.waitForMetrics((m) => fetches(m, 'updated') >= 2, 'the changed list downloaded');
    await waitFor(async () => (await api.get(R2)).status === 200, { what: 'R2 listed' });
    await feed.send(deposit('d-r-2', { from: R2 }));
    const a2 = await alertFor(receiver, 'd-r-2');
    assert.equal(a2.body.data.watchlist.entries[0].label, 'second');
    assert.equal(a2.body.data.watchlist.entries[0].kind, 'remote');

    // 500: failures counted, the old list kept.
    const before = await daemon.metrics();
    server.answer(500);
    const m2 = await daemon.waitForMetrics((m) => fetches(m, 'failed') >= fetches(before, 'failed') + 2, 'two failed fetches', 10000);
    assert.equal(fetches(m2, 'updated'), fetches(before, 'updated'), 'nothing reloaded from a 500');
    await feed.send(deposit('d-r-3', { from: R1 }));
    await feed.send(deposit('d-r-4', { from: R2 }));
    await alertFor(receiver, 'd-r-3');
    await alertFor(receiver, 'd-r-4');
    // The age grows while the server fails (it was about 0 at the last download).
    const mAge = await daemon.waitForMetrics((m) => m.get('freezewatch_watchlist_remote_age_seconds', { list: 'remote' }) >= 2,
      'the age of the list in use grows past 2 s', 10000);
    const age = mAge.get('freezewatch_watchlist_remote_age_seconds', { list: 'remote' });
    t.diagnostic(`after failures: age ${age} s, failed ${fetches(mAge, 'failed')}, 500s served ${server.count(500)}`);

    // The server recovers: the validators were kept, so a 304 and the age falls back.
    const n304 = server.count(304);
    server.answer('ok');
    await waitFor(() => server.count(304) > n304, { what: 'a 304 after the recovery', timeout: 10000 });
    const m3 = await daemon.waitForMetrics((m) => m.get('freezewatch_watchlist_remote_age_seconds', { list: 'remote' }) < age, 'age reset');
    t.diagnostic(`after recovery: age ${m3.get('freezewatch_watchlist_remote_age_seconds', { list: 'remote' })} s; ` +
      `fetches updated=${fetches(m3, 'updated')} not_modified=${fetches(m3, 'not_modified')} failed=${fetches(m3, 'failed')}`);
    assert.equal(server.count(200), 2, 'two downloads in all (the initial list and the change)');
  } finally {
    await server.stop();
  }
});
