'use strict';
// Delivery retries: 500 and 503 are retried with backoff; 429 is retried no
// sooner than its Retry-After; a timeout is retried. Every attempt carries the
// same webhook-id and the same body bytes, freshly signed.

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { deposit } = require('./lib/events');

function attemptsOf(receiver, depositId) {
  return receiver.alerts().filter((r) => r.body && r.body.data.deposit.deposit_id === depositId);
}

async function waitForAttempts(receiver, depositId, n, timeout = 10000) {
  return receiver.waitForRequests(
    (r) => r.type !== 'freezewatch.heartbeat' && r.body && r.body.data.deposit.deposit_id === depositId && r.answer !== null,
    n,
    timeout,
    `answered attempts for ${depositId}`,
  );
}

function assertSameAlert(attempts) {
  for (const a of attempts) assert.ok(a.valid, `attempt of ${a.id} verifies: ${a.error}`);
  assert.equal(new Set(attempts.map((a) => a.id)).size, 1, 'one webhook-id across retries');
  assert.equal(new Set(attempts.map((a) => a.raw)).size, 1, 'the same body bytes across retries');
}

itest(
  'alerts are retried after 500, 503, 429 with Retry-After and a timeout, then delivered once',
  { webhooks: { compliance: { timeout_ms: 700, concurrency: 1, retry: { initial_ms: 50, max_ms: 100 } } } },
  async (h, t) => {
    const { feed, receiver, daemon } = h;

    // 500, then 200.
    receiver.script(500, 200);
    await feed.send(deposit('d-500'));
    let attempts = await waitForAttempts(receiver, 'd-500', 2);
    assert.deepEqual(attempts.map((a) => a.answer), [500, 200]);
    assertSameAlert(attempts);
    assert.ok(attempts[1].at - attempts[0].at < 1500, 'backoff after 500 follows retry.max_ms (100 ms), not a long default');

    // 503 twice (no Retry-After), then 200.
    receiver.script(503, 503, 200);
    await feed.send(deposit('d-503'));
    attempts = await waitForAttempts(receiver, 'd-503', 3);
    assert.deepEqual(attempts.map((a) => a.answer), [503, 503, 200]);
    assertSameAlert(attempts);

    // 429 with Retry-After: 1 -> the next attempt waits at least ~1 s,
    // although the configured backoff alone would retry within 100 ms.
    receiver.script({ status: 429, retryAfter: 1 }, 200);
    await feed.send(deposit('d-429'));
    attempts = await waitForAttempts(receiver, 'd-429', 2);
    assert.deepEqual(attempts.map((a) => a.answer), [429, 200]);
    assertSameAlert(attempts);
    const waited = attempts[1].at - attempts[0].at;
    t.diagnostic(`retry ${waited} ms after 429 with Retry-After: 1`);
    assert.ok(waited >= 950, `retried ${waited} ms after 429 with Retry-After: 1`);
    assert.ok(waited < 5000, `retried ${waited} ms after 429: too late`);

    // No answer within timeout_ms (700) -> timeout, retried.
    receiver.script('hang', 200);
    await feed.send(deposit('d-hang'));
    attempts = await waitForAttempts(receiver, 'd-hang', 2);
    assert.deepEqual(attempts.map((a) => a.answer), ['hang', 200]);
    assertSameAlert(attempts);
    assert.ok(attempts[1].at - attempts[0].at >= 650, 'the hanging attempt was given timeout_ms');

    const m = await daemon.waitForMetrics(
      (x) => x.get('freezewatch_outbox_pending') === 0 &&
        x.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome: 'delivered' }) === 4,
      'every alert delivered',
    );
    const attemptsMetric = (outcome) => m.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome });
    assert.equal(attemptsMetric('retry'), 4, '500, 503, 503, 429');
    assert.equal(attemptsMetric('timeout'), 1);
    assert.equal(attemptsMetric('dead_letter'), 0);
    assert.equal(m.get('freezewatch_webhook_dead_lettered_total', { endpoint: 'compliance' }), 0);
    const timed = m.get('freezewatch_webhook_request_duration_seconds_count', { endpoint: 'compliance' });
    assert.ok(timed >= 8 && timed <= 9, `request durations observed: ${timed} (8 answered attempts, maybe the timed-out one)`);

    // Exactly four deliveries, one per alert.
    const delivered = receiver.delivered();
    assert.equal(delivered.length, 4);
    assert.equal(receiver.deliveredIds().size, 4);
    assert.equal(attemptsOf(receiver, 'd-500').length, 2);
  },
);
