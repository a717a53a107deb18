'use strict';
// The live watchlist API (docs/watchlist-api.md) on a running daemon with a
// live deposit feed:
//   - 401 without a token, with a wrong one and with another scheme; the
//     token never reaches the logs; /metrics needs none;
//   - 400 with a reason for malformed JSON, a bad address (index and field
//     named, nothing of the batch added), an unknown field, a past expiry;
//     413 for a body over admin.max_body_bytes;
//   - add -> the deposit sent right after the 2xx alerts (five times over),
//     with the entry's provenance; remove -> a later deposit does not;
//     expires_at -> alerts before, none after;
//   - the audit log names the token (from the config list and the tokens
//     file), the action and the address;
//   - a restart on the same storage keeps the entries, which still match;
//   - `freezewatch watchlist add|get|list|remove` against the running daemon.

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { deposit, LISTED } = require('./lib/events');
const { AdminApi, withAdminTokens, newToken, stacksAddress, startScenario } = require('./lib/admin_api');
const { sleep, waitFor } = require('./lib/wait');

const OPTS = { autostart: false, timeout: 50000 };

// Delivered alerts of a deposit (of one type when given).
function alertsFor(receiver, depositId, type) {
  return receiver.delivered().filter((r) => r.body.data.deposit && r.body.data.deposit.deposit_id === depositId && (!type || r.type === type));
}

function waitForAlert(receiver, depositId, type = 'transfer.pending', timeout = 5000) {
  return waitFor(() => alertsFor(receiver, depositId, type)[0], { timeout, what: `a ${type} alert for deposit ${depositId}` });
}

// A deposit from a file-listed address, sent after `ids`: once its alert is
// emitted, every earlier deposit has been matched (the feed is one ordered
// stream). Then `ids` must have no alert (emitted or delivered).
async function assertNoAlert(h, fenceId, ids) {
  const before = (await h.daemon.metrics()).get('freezewatch_alerts_emitted_total');
  await h.feed.send(deposit(fenceId));
  await waitForAlert(h.receiver, fenceId);
  const m = await h.daemon.waitForMetrics((x) => x.get('freezewatch_outbox_pending') === 0, 'outbox drained');
  assert.equal(m.get('freezewatch_alerts_emitted_total'), before + 1, `only the fence ${fenceId} alerted, not ${ids.join(', ')}`);
  for (const id of ids) assert.deepEqual(alertsFor(h.receiver, id).map((a) => a.id), [], `no alert for ${id}`);
}

itest('authentication and malformed requests: 401, 400 with a reason, 413; the token is never logged', OPTS, async (h) => {
  const { daemon } = h;
  const { alice, bob } = withAdminTokens(daemon, { maxBodyBytes: 4096 });
  await startScenario(h);
  const api = new AdminApi(daemon, alice);
  const target = stacksAddress('auth-target');
  const wrong = newToken();

  // No token, a wrong token, another scheme, an empty bearer: 401 with a challenge.
  for (const [what, opts] of [
    ['no token', { token: null }],
    ['wrong token', { token: wrong }],
    ['basic scheme', { token: null, headers: { Authorization: `Basic ${Buffer.from('alice:' + alice).toString('base64')}` } }],
    ['empty bearer', { token: null, headers: { Authorization: 'Bearer ' } }],
  ]) {
    const r = await api.list({}, opts);
    assert.equal(r.status, 401, `${what}: GET entries -> ${r.status} ${r.body}`);
    assert.match(String(r.headers['www-authenticate']), /^Bearer realm="freezewatch"/, what);
    const add = await api.add([{ address: target, incident: 'auth' }], opts);
    assert.equal(add.status, 401, `${what}: POST entries -> ${add.status} ${add.body}`);
    assert.ok(!add.body.includes(alice) && !add.body.includes(wrong), `${what}: the answer holds no token`);
  }
  assert.equal((await api.get(target)).status, 404, 'nothing was added by a refused request');
  assert.equal((await daemon.get('/metrics')).status, 200, '/metrics needs no token');
  // Both configured tokens work (the config list and the tokens file).
  assert.equal((await api.list()).status, 200);
  assert.equal((await api.list({}, { token: bob })).status, 200);

  // Malformed JSON: 400 with the reason and the offset.
  const bad = await api.request('POST', '/api/v1/watchlist/entries', '{"entries": [{"address": "SP1"},');
  assert.equal(bad.status, 400, bad.body);
  assert.ok(bad.json, `a JSON error body: ${bad.body}`);
  assert.match(bad.json.error, /malformed JSON/i, bad.body);
  assert.equal(typeof bad.json.offset, 'number', bad.body);

  // A bad address in a batch: 400 naming index and field; the batch is atomic.
  const good = stacksAddress('atomic-good');
  const badAddr = LISTED.stacks.slice(0, -1) + (LISTED.stacks.endsWith('S') ? 'T' : 'S'); // checksum broken
  const r1 = await api.add([{ address: good, incident: 'atomic' }, { address: badAddr, incident: 'atomic' }]);
  assert.equal(r1.status, 400, r1.body);
  assert.equal(r1.json.problem_count, 1, r1.body);
  assert.equal(r1.json.problems[0].index, 1, r1.body);
  assert.equal(r1.json.problems[0].field, 'address', r1.body);
  assert.ok(r1.json.problems[0].reason.length > 0, r1.body);
  assert.match(r1.json.error, /nothing was added/, r1.body);
  assert.equal((await api.get(good)).status, 404, 'the good entry of a refused batch is not added');

  // Unknown field, past expiry, unknown severity: every problem listed.
  const r2 = await api.add([
    { address: good, colour: 'red' },
    { address: good, expires_at: '2020-01-01T00:00:00Z' },
    { address: good, severity: 'urgent' },
  ]);
  assert.equal(r2.status, 400, r2.body);
  assert.equal(r2.json.problem_count, 3, r2.body);
  assert.deepEqual(r2.json.problems.map((p) => [p.index, p.field]), [[0, 'colour'], [1, 'expires_at'], [2, 'severity']], r2.body);
  // Not {"entries": [...]}.
  const r3 = await api.request('POST', '/api/v1/watchlist/entries', { entries: [] });
  assert.equal(r3.status, 400, r3.body);
  const r4 = await api.request('POST', '/api/v1/watchlist/entries', { entries: [{ address: good }], extra: 1 });
  assert.equal(r4.status, 400, r4.body);
  // An address that does not parse in a lookup: 400.
  assert.equal((await api.get('not-an-address')).status, 400);

  // A body over admin.max_body_bytes (4096): 413, nothing added.
  const many = Array.from({ length: 200 }, (_, i) => ({ address: stacksAddress(`big-${i}`), incident: 'big' }));
  const big = JSON.stringify({ entries: many });
  assert.ok(big.length > 4096);
  const r5 = await api.request('POST', '/api/v1/watchlist/entries', big);
  assert.equal(r5.status, 413, r5.body);
  assert.equal((await api.get(many[0].address)).status, 404);

  // An unsupported method: 405 with Allow.
  const r6 = await api.request('PUT', '/api/v1/watchlist/entries', { entries: [] });
  assert.equal(r6.status, 405, r6.body);
  assert.ok(r6.headers.allow, 'Allow header');

  // Still alive and well; the tokens never reach the logs.
  assert.equal((await api.list()).status, 200);
  const logs = daemon.logs();
  for (const [name, tok] of [['alice', alice], ['bob', bob], ['wrong', wrong]]) assert.ok(!logs.includes(tok), `the ${name} token is not logged`);
  const m = await daemon.metrics();
  assert.ok(m.get('freezewatch_watchlist_api_requests_total', { code: '401' }) >= 8, 'refused requests counted (401)');
  assert.ok(m.get('freezewatch_watchlist_api_requests_total', { code: '400' }) >= 5, 'refused requests counted (400)');
});

itest('add on a live feed matches the next deposit; remove; expiry; audit; a restart keeps the entries', OPTS, async (h, t) => {
  const { daemon, feed, receiver } = h;
  const { alice, bob } = withAdminTokens(daemon);
  await startScenario(h);
  const api = new AdminApi(daemon, alice);

  // Not listed: the deposit goes through without an alert.
  const X = stacksAddress('api-x');
  await feed.send(deposit('d-api-0', { from: X }));
  await assertNoAlert(h, 'd-api-fence-0', ['d-api-0']);

  // add -> 2xx -> the very next deposit from the address alerts. Five times, fresh
  // addresses, while clean deposits keep streaming (one every 5 ms).
  let pumping = true;
  let pumped = 0;
  const pump = (async () => {
    while (pumping) {
      await feed.send(deposit(`d-bg-${++pumped}`, { from: 'clean' }));
      await sleep(5);
    }
  })();
  await sleep(100);
  const lat = [];
  for (let i = 1; i <= 5; ++i) {
    const addr = i === 1 ? X : stacksAddress(`api-x-${i}`);
    const r = await api.add([{ address: addr, label: `attacker ${i}`, incident: 'inc-api', source: 'it', severity: 'critical' }]);
    const ok = Date.now();
    assert.equal(r.status, 200, r.body);
    await feed.send(deposit(`d-api-${i}`, { from: addr }));
    const sent = Date.now();
    assert.equal(r.json.added, 1, r.body);
    assert.deepEqual(r.json.entries, [addr]);
    const a = await waitForAlert(receiver, `d-api-${i}`);
    assert.ok(a.valid, a.error);
    assert.equal(a.type, 'transfer.pending');
    assert.equal(a.body.data.listed_address, addr);
    assert.equal(a.body.data.classification, 'listed');
    const e = a.body.data.watchlist.entries.find((x) => x.kind === 'api');
    assert.ok(e, JSON.stringify(a.body.data.watchlist.entries));
    assert.equal(e.label, `attacker ${i}`);
    assert.equal(e.incident, 'inc-api');
    assert.equal(e.severity, 'critical');
    assert.equal(e.added_by, 'alice');
    lat.push({
      add_ms: r.ms,
      received_ms: Date.parse(a.body.data.transfer.received_at) - ok,
      alert_ms: Date.parse(a.body.timestamp) - ok,
      send_ms: sent - ok,
    });
    await sleep(50);
  }
  pumping = false;
  await pump;
  await h.daemon.waitForMetrics((m) => m.get('freezewatch_transfers_decoded_total', { source: 'exchange' }) >= pumped + 6,
    'every streamed deposit decoded');
  t.diagnostic(`${pumped} clean deposits streamed meanwhile; add round trip ms: ${lat.map((l) => l.add_ms.toFixed(1)).join(', ')}; ` +
    `2xx -> deposit received ms: ${lat.map((l) => l.received_ms).join(', ')}; ` +
    `2xx -> alert created ms: ${lat.map((l) => l.alert_ms).join(', ')}`);
  for (const l of lat) assert.ok(l.alert_ms < 1000, `alerted ${l.alert_ms} ms after the 2xx`);
  assert.ok(alertsFor(receiver, 'd-bg-1').length === 0 && !receiver.alerts().some((q) => q.body.data.deposit.deposit_id.startsWith('d-bg-')),
    'no alert for the clean stream');
  // The deposit from X before it was listed is found by the retro-scan of the add.
  const retro0 = await waitForAlert(receiver, 'd-api-0', 'transfer.retro');
  assert.equal(retro0.body.data.listed_address, X);
  assert.equal(retro0.body.data.retro.transfer_stage, 'pending');
  // The deposits sent after the 2xx alerted live, not (also) as retro.
  for (let i = 1; i <= 5; ++i) assert.deepEqual(alertsFor(receiver, `d-api-${i}`).map((a) => a.id).filter((id) => id.endsWith('_retro')), [],
    `d-api-${i} (sent after the 2xx) has no retro alert`);

  // remove (bob, from the tokens file) -> a later deposit does not alert.
  const rr = await api.remove(X, { token: bob });
  assert.equal(rr.status, 200, rr.body);
  assert.equal(rr.json.removed, 1, rr.body);
  await feed.send(deposit('d-api-removed', { from: X }));
  await assertNoAlert(h, 'd-api-fence-1', ['d-api-removed']);
  assert.equal((await api.remove(X)).status, 404, 'removing again: 404');

  // expires_at ~2-3 s ahead (unix seconds): alerts before, none after.
  const Y = stacksAddress('api-y');
  const expSec = Math.floor(Date.now() / 1000) + 3;
  const ry = await api.add([{ address: Y, incident: 'inc-exp', expires_at: expSec }]);
  assert.equal(ry.status, 200, ry.body);
  await feed.send(deposit('d-exp-before', { from: Y }));
  await waitForAlert(receiver, 'd-exp-before');
  const gy = await api.get(Y);
  assert.equal(gy.status, 200, gy.body);
  assert.equal(gy.json.live[0].expires_at_ms, expSec * 1000, gy.body);
  assert.equal(gy.json.live[0].expired, false);
  await sleep(Math.max(0, expSec * 1000 - Date.now()) + 100);
  await feed.send(deposit('d-exp-after', { from: Y }));
  await assertNoAlert(h, 'd-api-fence-2', ['d-exp-after']);
  const gy2 = await api.get(Y);
  assert.ok(gy2.status === 404 || (gy2.status === 200 && gy2.json.live.every((e) => e.expired === true)), `after expiry: ${gy2.status} ${gy2.body}`);

  // A kept entry, for the restart.
  const Z = stacksAddress('api-z');
  assert.equal((await api.add([{ address: Z, label: 'kept', incident: 'inc-keep', notes: 'survives restarts' }], { token: bob })).status, 200);

  // Audit: who (the token's name), action, address.
  const au = await api.audit({ since: 0, limit: 1000 });
  assert.equal(au.status, 200, au.body);
  const recs = au.json.records;
  const find = (action, address) => recs.find((r) => r.action === action && r.address === address);
  assert.equal(find('add', X)?.who, 'alice', JSON.stringify(recs));
  assert.equal(find('add', X).incident, 'inc-api');
  assert.equal(find('add', X).detail.label, 'attacker 1');
  assert.match(find('add', X).peer, /^127\.0\.0\.1:\d+$/);
  assert.equal(find('remove', X)?.who, 'bob', JSON.stringify(recs));
  assert.equal(find('add', Y)?.who, 'alice');
  assert.equal(find('add', Z)?.who, 'bob');
  for (let i = 1; i < recs.length; ++i) assert.ok(recs[i].seq > recs[i - 1].seq, 'audit records oldest first');
  assert.ok(!au.body.includes(alice) && !au.body.includes(bob), 'the audit log holds no token');
  t.diagnostic(`audit: ${recs.map((r) => `${r.seq}:${r.who}:${r.action}`).join(' ')}`);

  // Restart on the same storage: the entries are kept and still match.
  assert.deepEqual(await daemon.stop(), { code: 0, signal: null });
  await startScenario(h);
  const gz = await api.get(Z);
  assert.equal(gz.status, 200, gz.body);
  const ez = gz.json.live.find((e) => e.kind === 'api');
  assert.equal(ez.label, 'kept');
  assert.equal(ez.notes, 'survives restarts');
  assert.equal(ez.added_by, 'bob');
  assert.equal((await api.get(X)).status, 404, 'the removed entry stays removed');
  const listed = await api.listAll({ incident: 'inc-api' });
  assert.deepEqual(listed.map((e) => e.address).sort(), [2, 3, 4, 5].map((i) => stacksAddress(`api-x-${i}`)).sort());
  await feed.send(deposit('d-api-after-restart', { from: Z }));
  const az = await waitForAlert(receiver, 'd-api-after-restart');
  assert.equal(az.body.data.listed_address, Z);
  const au2 = await api.audit({ since: 0, limit: 1000 });
  assert.ok(au2.json.records.length >= recs.length, 'the audit log survives the restart');
});

itest('the CLI: freezewatch watchlist add/get/list/remove against the running daemon', OPTS, async (h) => {
  const { daemon, feed, receiver } = h;
  const { alice } = withAdminTokens(daemon);
  await startScenario(h);
  const api = new AdminApi(daemon, alice);
  const A = stacksAddress('cli-a');
  const B = stacksAddress('cli-b');

  const add = await api.cli(['add', A, B, '--incident', 'cli-it', '--label', 'CLI listed', '--severity', 'critical']);
  assert.equal(add.code, 0, `add: ${add.stderr}`);
  assert.equal(JSON.parse(add.stdout).added, 2, add.stdout);
  await feed.send(deposit('d-cli-1', { from: A }));
  const a = await waitForAlert(receiver, 'd-cli-1');
  const e = a.body.data.watchlist.entries.find((x) => x.kind === 'api');
  assert.equal(e.label, 'CLI listed');
  assert.equal(e.added_by, 'alice');

  const get = await api.cli(['get', A]);
  assert.equal(get.code, 0, `get: ${get.stderr}`);
  const g = JSON.parse(get.stdout);
  assert.equal(g.listed, true);
  assert.equal(g.live[0].incident, 'cli-it');

  const list = await api.cli(['list', '--incident', 'cli-it']);
  assert.equal(list.code, 0, `list: ${list.stderr}`);
  assert.deepEqual(JSON.parse(list.stdout).entries.map((x) => x.address).sort(), [A, B].sort());

  const rm = await api.cli(['remove', A]);
  assert.equal(rm.code, 0, `remove: ${rm.stderr}`);
  assert.equal(JSON.parse(rm.stdout).removed, 1);
  const get2 = await api.cli(['get', A]);
  assert.equal(get2.code, 4, `get after remove: exit ${get2.code} ${get2.stdout} ${get2.stderr}`);
  await feed.send(deposit('d-cli-2', { from: A }));
  await assertNoAlert(h, 'd-cli-fence', ['d-cli-2']);

  // A wrong token: exit 6 (unauthorized), no change; a rejected entry: exit 3.
  const unauth = await api.cli(['remove', B], { token: newToken() });
  assert.equal(unauth.code, 6, `wrong token: exit ${unauth.code} ${unauth.stderr}`);
  assert.equal((await api.get(B)).status, 200, 'B still listed');
  const rejected = await api.cli(['add', 'SP0000000000000000000000000000000000']);
  assert.equal(rejected.code, 3, `bad address: exit ${rejected.code} ${rejected.stderr}`);
  // --token on the command line is refused (it would show in ps).
  const refused = await api.cli(['list', '--token', alice]);
  assert.notEqual(refused.code, 0, 'a token on the command line is refused');
});
