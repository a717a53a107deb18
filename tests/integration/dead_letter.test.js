'use strict';
// A final 4xx parks the alert in the dead-letter store (nothing is dropped
// silently); `freezewatch dlq list` shows it and `freezewatch dlq retry`
// (another process, same storage) re-queues it: the running daemon sends it
// again with its original webhook-id.

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { deposit } = require('./lib/events');
const { waitFor } = require('./lib/wait');

itest('a 400 dead-letters the alert; dlq list shows it; dlq retry re-queues it with the same id', {}, async (h) => {
  const { feed, receiver, daemon } = h;

  receiver.script(400, 422); // two final refusals, then the default 200
  await feed.send(deposit('d-dl-1'));
  await receiver.waitForRequests((r) => r.answer === 400, 1, 10000, '400 answers');
  await feed.send(deposit('d-dl-2', { chain: 'ethereum', amount: '42000000' }));
  await receiver.waitForRequests((r) => r.answer === 422, 1, 10000, '422 answers');

  const m = await daemon.waitForMetrics(
    (x) => x.get('freezewatch_outbox_dead_letters') === 2,
    'two dead letters in /metrics',
  );
  assert.equal(m.get('freezewatch_webhook_dead_lettered_total', { endpoint: 'compliance' }), 2);
  assert.equal(m.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome: 'dead_letter' }), 2);
  assert.equal(m.get('freezewatch_outbox_pending'), 0);
  assert.equal(receiver.alerts().length, 2, 'a final 4xx is not retried');
  const [first, second] = receiver.alerts();
  assert.ok(first.valid && second.valid);

  // The operator looks (while the daemon runs: same SQLite file, WAL).
  let r = await daemon.cli('dlq', 'list');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 dead letters/);
  const rows = [...r.stdout.matchAll(/^seq=(\d+) alert_id=(\S+) endpoint=(\S+) type=(\S+) http_status=(\d+)/gm)].map((x) => ({
    seq: x[1], alertId: x[2], endpoint: x[3], type: x[4], status: Number(x[5]),
  }));
  assert.equal(rows.length, 2, r.stdout);
  const row1 = rows.find((x) => x.alertId === first.id);
  const row2 = rows.find((x) => x.alertId === second.id);
  assert.ok(row1 && row2, `dlq list names both alert ids:\n${r.stdout}`);
  assert.deepEqual([row1.endpoint, row1.type, row1.status], ['compliance', 'transfer.pending', 400]);
  assert.equal(row2.status, 422);
  assert.match(r.stdout, /response: 400/, 'the receiver answer excerpt is kept');

  // Retry one by its seq: only that one comes back.
  r = await daemon.cli('dlq', 'retry', row2.seq);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /re-queued 1 alert/);
  await waitFor(() => receiver.attemptsFor(second.id).some((a) => a.answer === 200), {
    timeout: 10000, what: `re-delivery of ${second.id}`,
  });

  // Retry the rest.
  r = await daemon.cli('dlq', 'retry', '--all');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /re-queued 1 alert/);
  await waitFor(() => receiver.attemptsFor(first.id).some((a) => a.answer === 200), {
    timeout: 10000, what: `re-delivery of ${first.id}`,
  });

  // Same webhook-id, same body bytes, valid signatures; nothing else was sent.
  for (const orig of [first, second]) {
    const again = receiver.attemptsFor(orig.id);
    assert.equal(again.length, 2, `${orig.id}: the refused attempt and the re-delivery`);
    assert.equal(again[1].raw, orig.raw, 'the stored body is re-sent as is');
    assert.ok(again[1].valid, again[1].error);
  }
  assert.equal(receiver.alerts().length, 4);

  const after = await daemon.waitForMetrics(
    (x) => x.get('freezewatch_outbox_dead_letters') === 0 && x.get('freezewatch_outbox_pending') === 0,
    'dead letters drained',
  );
  assert.equal(after.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome: 'delivered' }), 2);
  r = await daemon.cli('dlq', 'list');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no dead letters/);

  // Retrying a seq that is not dead-lettered is an error, not a silent no-op.
  r = await daemon.cli('dlq', 'retry', row1.seq);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no dead letter with seq/);
});
