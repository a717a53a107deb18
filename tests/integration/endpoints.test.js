'use strict';
// A hanging webhook endpoint occupies only its own workers: a second endpoint
// gets every alert promptly. When the slow one answers again it gets them too.

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { listedDeposits } = require('./lib/events');

itest(
  'a hanging endpoint does not block another endpoint',
  {
    receivers: ['fast', 'slow'],
    webhooks: { slow: { timeout_ms: 3000, concurrency: 2, retry: { initial_ms: 100, max_ms: 200 } } },
  },
  async (h, t) => {
    const { feed, receivers, daemon } = h;
    const { fast, slow } = receivers;
    slow.setDefault('hang');
    const events = listedDeposits('ep', 5);

    const sentAt = Date.now();
    await feed.sendAll(events);
    await fast.waitForDelivered(5, 10000);
    const fastDone = Math.max(...fast.delivered().map((r) => r.at)) - sentAt;
    t.diagnostic(`fast endpoint had all 5 alerts ${fastDone} ms after they were sent`);
    assert.ok(fastDone < 2500, `fast endpoint got all 5 alerts after ${fastDone} ms, before the slow one's 3 s timeout`);
    assert.ok(slow.requests.length >= 1 && slow.requests.every((r) => r.answer === 'hang'), 'slow endpoint is hanging');
    assert.ok(slow.requests.length <= 2, `at most concurrency (2) requests in flight to the slow endpoint, saw ${slow.requests.length}`);

    // Same alerts, same ids, at both endpoints; each endpoint signs its own requests.
    for (const r of fast.requests) assert.ok(r.valid, r.error);
    for (const r of slow.requests) assert.ok(r.valid, r.error);

    // The hanging attempts time out and are retried; then the endpoint recovers.
    await daemon.waitForMetrics(
      (m) => m.get('freezewatch_webhook_attempts_total', { endpoint: 'slow', outcome: 'timeout' }) >= 1,
      'timeouts counted for the slow endpoint',
      10000,
    );
    slow.setDefault(200);
    await slow.waitForDelivered(5, 20000);
    assert.deepEqual([...slow.deliveredIds()].sort(), [...fast.deliveredIds()].sort(), 'both endpoints got the same alert ids');

    const m = await daemon.waitForMetrics((x) => x.get('freezewatch_outbox_pending') === 0, 'outbox drained');
    assert.equal(m.get('freezewatch_webhook_attempts_total', { endpoint: 'fast', outcome: 'delivered' }), 5);
    assert.equal(m.get('freezewatch_webhook_attempts_total', { endpoint: 'slow', outcome: 'delivered' }), 5);
    assert.equal(m.get('freezewatch_webhook_attempts_total', { endpoint: 'fast', outcome: 'timeout' }), 0);
    assert.equal(m.get('freezewatch_alerts_emitted_total'), 5, 'five alerts, each fanned out to two endpoints');
  },
);
