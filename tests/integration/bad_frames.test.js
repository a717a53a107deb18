'use strict';
// Garbage on the feed is counted by reason and skipped; the stream goes on.
// An oversized frame closes the connection (max_frame_bytes), the source
// reconnects, and the next good frame still alerts.

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { deposit } = require('./lib/events');

const REASONS = ['not_json', 'not_object', 'missing_field', 'bad_field', 'bad_chain', 'bad_address', 'bad_amount', 'binary'];

itest('bad frames are counted by reason and skipped; an oversized frame forces a reconnect', { source: { max_frame_bytes: 4096 } }, async (h) => {
  const { feed, receiver, daemon } = h;

  const before = await daemon.metrics();
  for (const reason of [...REASONS, 'oversized']) {
    assert.equal(before.get('freezewatch_frames_rejected_total', { source: 'exchange', reason }), 0,
      `series for reason ${reason} exists at 0 from start-up`);
  }

  const noId = deposit('x');
  delete noId.deposit_id;
  await feed.sendRaw('this is {not json');
  await feed.sendRaw('[1,2,3]');
  await feed.send(noId);
  await feed.send(deposit('d-bad-status', { status: 'exploded' }));
  await feed.send({ ...deposit('d-bad-chain'), chain: 'dogecoin' });
  await feed.send(deposit('d-bad-addr', { from: 'SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRT' })); // checksum broken
  await feed.send(deposit('d-bad-amount', { amount: '-5' }));
  await feed.sendRaw(Buffer.from(JSON.stringify(deposit('d-binary'))), { binary: true });
  await feed.send({ type: 'withdrawal', id: 'w-1' }); // not a deposit: ignored, not rejected
  await feed.send(deposit('d-good-1'));

  const [good] = await receiver.waitForDelivered(1);
  assert.equal(good.body.data.deposit.deposit_id, 'd-good-1');
  assert.ok(good.valid, good.error);

  let m = await daemon.waitForMetrics(
    (x) => x.get('freezewatch_transfers_decoded_total', { source: 'exchange' }) === 1,
    'the good frame decoded',
  );
  for (const reason of REASONS) {
    assert.equal(m.get('freezewatch_frames_rejected_total', { source: 'exchange', reason }), 1, `rejected as ${reason}`);
  }
  assert.equal(m.get('freezewatch_frames_rejected_total', { source: 'exchange', reason: 'other' }), 0);
  assert.equal(m.get('freezewatch_frames_ignored_total', { source: 'exchange' }), 1);
  assert.equal(m.get('freezewatch_alerts_emitted_total'), 1);
  assert.equal(m.get('freezewatch_source_connected', { source: 'exchange' }), 1);
  assert.equal(feed.connections.length, 1, 'garbage does not cost the connection');

  // Larger than max_frame_bytes: refused, connection closed and re-made.
  await feed.send(deposit('d-huge', { memo: 'x'.repeat(8000) }));
  await feed.waitForConnections(2, 10000);
  await feed.waitForMessages(2, 1);
  await feed.send(deposit('d-good-2'));
  await receiver.waitForDelivered(2);
  assert.deepEqual(receiver.delivered().map((r) => r.body.data.deposit.deposit_id).sort(), ['d-good-1', 'd-good-2'],
    'the oversized frame produced no alert');

  m = await daemon.waitForMetrics(
    (x) => x.get('freezewatch_frames_rejected_total', { source: 'exchange', reason: 'oversized' }) === 1,
    'oversized counted',
  );
  assert.ok(m.get('freezewatch_source_reconnects_total', { source: 'exchange' }) >= 1);
  assert.equal(m.get('freezewatch_alerts_emitted_total'), 2);

  // Each reject is logged with its reason (rate-limited, but these are few).
  const logs = daemon.logs();
  for (const reason of ['not_json', 'missing_field', 'bad_address', 'oversized']) {
    assert.ok(logs.includes(reason), `log mentions ${reason}`);
  }
});
