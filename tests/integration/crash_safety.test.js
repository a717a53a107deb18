'use strict';
// Crash safety: alerts are durable before they count as emitted. With the
// receiver failing and then down, alerts stay pending; kill -9 freezewatch;
// restart it; bring the receiver up: every alert arrives exactly once with
// its original webhook-id and body. The feed replaying the same events to
// the restarted daemon produces no second alert (the outbox remembers ids).

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { listedDeposits } = require('./lib/events');
const { waitFor } = require('./lib/wait');

const N = 10;

itest(
  'pending alerts survive kill -9 and are delivered after restart with their original webhook-id',
  { webhooks: { compliance: { concurrency: 4, retry: { initial_ms: 100, max_ms: 300 } } } },
  async (h) => {
    const { feed, receiver, daemon } = h;
    const events = listedDeposits('crash', N);

    // The receiver fails every request: each alert is attempted and stays pending.
    receiver.setDefault(503);
    await feed.sendAll(events);
    await waitFor(() => new Set(receiver.alerts().map((r) => r.id)).size === N, {
      timeout: 15000, what: `a first attempt for each of the ${N} alerts`,
    });
    await daemon.waitForMetrics((m) => m.get('freezewatch_outbox_pending') === N, `${N} pending in the outbox`);
    const original = new Map(); // webhook-id -> first attempt
    for (const r of receiver.alerts()) if (!original.has(r.id)) original.set(r.id, r);
    for (const r of original.values()) assert.ok(r.valid, r.error);

    // The receiver goes down (connection refused), then freezewatch dies hard.
    const receiverPort = receiver.port;
    await receiver.stop();
    await daemon.waitForMetrics(
      (m) => m.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome: 'network_error' }) >= 1,
      'network errors while the receiver is down',
    );
    const exit = await daemon.kill9();
    assert.equal(exit.signal, 'SIGKILL');
    const attemptsBefore = receiver.requests.length;

    // Restart on the same storage, receiver still down: everything is still pending.
    await daemon.start();
    const m1 = await daemon.waitForMetrics((m) => m.get('freezewatch_outbox_pending') === N, `${N} pending after restart`);
    assert.equal(m1.get('freezewatch_alerts_emitted_total'), 0, 'nothing new emitted by the restart itself');
    assert.ok(m1.get('freezewatch_outbox_oldest_age_seconds') > 0, 'oldest pending alert has an age');

    // Receiver back up, answering 200.
    receiver.setDefault(200);
    await receiver.start(receiverPort);
    await receiver.waitForDelivered(N, 20000);
    await daemon.waitForMetrics((m) => m.get('freezewatch_outbox_pending') === 0, 'outbox drained');

    const after = receiver.requests.slice(attemptsBefore);
    const deliveredIds = new Set(after.filter((r) => r.answer === 200).map((r) => r.id));
    assert.deepEqual([...deliveredIds].sort(), [...original.keys()].sort(), 'every alert arrives with its original webhook-id');
    for (const r of after) {
      assert.ok(r.valid, `${r.id}: ${r.error}`);
      assert.equal(r.raw, original.get(r.id).raw, `${r.id}: the body stored before the crash is sent as is`);
    }
    const perId = new Map();
    for (const r of after.filter((x) => x.answer === 200)) perId.set(r.id, (perId.get(r.id) || 0) + 1);
    for (const [id, n] of perId) assert.equal(n, 1, `${id} delivered ${n} times after the restart`);

    // The restarted daemon reconnected to the feed; the exchange replays
    // everything. The outbox already holds these ids: no new alert.
    await feed.waitForMessages(2, 1, 10000);
    await feed.sendAll(events);
    const m2 = await daemon.waitForMetrics(
      (m) => m.get('freezewatch_matches_total') === N,
      'replayed events matched',
    );
    await new Promise((r) => setTimeout(r, 500));
    const m3 = await daemon.metrics();
    assert.equal(m3.get('freezewatch_alerts_emitted_total'), 0, 'replayed events are not emitted again');
    // docs/metrics.md: alerts dropped because their id was already emitted count
    // as deduplicated, so matches = emitted + deduplicated holds after a restart too.
    assert.equal(m3.get('freezewatch_alerts_deduplicated_total'), N,
      'alerts the outbox refuses as already held are counted in freezewatch_alerts_deduplicated_total');
    assert.equal(m3.get('freezewatch_outbox_pending'), 0);
    assert.equal(receiver.deliveredIds().size, N);
    assert.equal(receiver.delivered().length, N, 'no alert delivered twice');
    assert.ok(m2.get('freezewatch_delivery_latency_seconds_count', { endpoint: 'compliance' }) >= N);
  },
);

itest(
  'kill -9 in the middle of a stream: after restart and replay every deposit alerts under one webhook-id',
  { webhooks: { compliance: { concurrency: 4 } } },
  async (h, t) => {
    const { feed, receiver, daemon } = h;
    const events = listedDeposits('mid', 20);

    // Half the stream, then kill -9 at once: some alerts are delivered, some
    // only durable, some frames perhaps not even read.
    await feed.sendAll(events.slice(0, 10));
    await daemon.kill9();
    const before = receiver.delivered().length;

    // Restart; the exchange replays its recent events and continues.
    await daemon.start();
    await feed.waitForMessages(2, 1, 10000);
    await feed.sendAll(events);
    await waitFor(() => new Set(receiver.delivered().map((r) => r.body.data.deposit.deposit_id)).size === 20, {
      timeout: 20000, what: 'an alert delivered for each of the 20 deposits',
    });
    await daemon.waitForMetrics((m) => m.get('freezewatch_outbox_pending') === 0, 'outbox drained');
    await new Promise((r) => setTimeout(r, 300));

    // At-least-once with stable ids: a deposit has exactly one webhook-id, and
    // a repeated delivery (crash between the 2xx and its record) is byte-identical.
    const idsByDeposit = new Map();
    const bodyById = new Map();
    for (const r of receiver.alerts()) {
      assert.ok(r.valid, `${r.id}: ${r.error}`);
      const dep = r.body.data.deposit.deposit_id;
      if (!idsByDeposit.has(dep)) idsByDeposit.set(dep, new Set());
      idsByDeposit.get(dep).add(r.id);
      if (bodyById.has(r.id)) assert.equal(r.raw, bodyById.get(r.id), `${r.id} re-sent with a different body`);
      else bodyById.set(r.id, r.raw);
    }
    for (const [dep, ids] of idsByDeposit) assert.equal(ids.size, 1, `${dep} alerted under ${ids.size} ids: ${[...ids]}`);
    const deliveries = receiver.delivered().length;
    t.diagnostic(`${before} delivered before the kill; ${deliveries} deliveries in all for 20 alerts`);
    assert.ok(deliveries - 20 <= 4, `${deliveries - 20} repeated deliveries: more than the in-flight window (concurrency 4)`);
  },
);
