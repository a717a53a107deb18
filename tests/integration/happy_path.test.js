'use strict';
// Happy path over real sockets: feed -> freezewatch -> receiver.
// Every alert arrives signed (verified with the standardwebhooks package,
// with both secrets while a rotation is under way), carries the documented
// payload, and only listed senders/recipients produce alerts.

const assert = require('node:assert/strict');
const { itest, SUBSCRIBE, FEED_TOKEN } = require('./lib/harness');
const { deposit, LISTED, CLEAN, DEPOSIT_ADDRESS } = require('./lib/events');
const { waitFor } = require('./lib/wait');

const ALERT_ID = /^fw_[0-9a-f]{32}_(pending|confirmed|credited|final|retracted)$/;

itest(
  'listed deposits produce signed alerts with the documented payload; clean ones produce none',
  { rotate: true, webhooks: { compliance: { heartbeat_interval_ms: 500, headers: { 'X-Freezewatch-Env': 'integration' } } } },
  async (h) => {
    const { feed, receiver, daemon } = h;

    // The source connected with the configured headers and subscribed.
    const conn = feed.connections[0];
    assert.equal(conn.url, '/v1/deposits');
    assert.equal(conn.headers.authorization, `Bearer ${FEED_TOKEN}`);
    assert.deepEqual(conn.messages, [SUBSCRIBE]);

    // Clean deposits first, then listed ones: the listed ones act as a barrier.
    await feed.send(deposit('d-clean-1', { chain: 'stacks', from: 'clean' }));
    await feed.send(deposit('d-clean-2', { chain: 'ethereum', from: 'clean', amount: '5000000' }));
    await feed.send(deposit('d-clean-3', { chain: 'tron', from: 'clean', amount: '7000000' }));
    await feed.send(deposit('d-stx-1', { chain: 'stacks', amount: '1500000' }));
    // amount_decimal instead of amount; sender in its EIP-55 spelling.
    const evm = deposit('d-evm-1', { chain: 'ethereum', amount_decimal: '250.75' });
    delete evm.amount;
    await feed.send(evm);
    // Already credited: the account must be frozen, not just the deposit.
    await feed.send(deposit('d-trx-1', { chain: 'tron', amount: '99000000', status: 'credited' }));
    // A listed *recipient* (unusual on an exchange): review, direction to.
    await feed.send(deposit('d-to-1', { chain: 'stacks', from: 'clean', deposit_address: LISTED.stacks, recipient: LISTED.stacks }));

    const delivered = await receiver.waitForDelivered(4);
    await new Promise((r) => setTimeout(r, 300)); // anything extra would show up now
    const alerts = receiver.alerts();
    assert.equal(receiver.deliveredIds().size, 4, 'exactly the four listed deposits alert');

    for (const r of alerts) {
      assert.equal(r.method, 'POST');
      assert.equal(r.path, '/hooks/freezewatch');
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.equal(r.headers['x-freezewatch-env'], 'integration', 'configured extra header');
      assert.ok(r.valid, `signature of ${r.id} verifies with the current secret: ${r.error}`);
      assert.deepEqual(r.validBy, [true, true], 'one signature per configured secret (rotation)');
      assert.match(r.id, ALERT_ID);
      assert.equal(r.body.data.alert_id, r.id, 'webhook-id is the alert id');
      assert.equal(r.type, `transfer.${r.body.data.stage}`);
      assert.match(r.body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Number(r.timestamp) - Date.now() / 1000) < 60, 'webhook-timestamp is now');
      assert.equal(r.body.data.transfer.source, 'exchange');
      assert.ok(r.body.data.base_id && r.id.startsWith(r.body.data.base_id + '_'));
    }

    const byDeposit = Object.fromEntries(delivered.map((r) => [r.body.data.deposit.deposit_id, r.body]));
    assert.deepEqual(Object.keys(byDeposit).sort(), ['d-evm-1', 'd-stx-1', 'd-to-1', 'd-trx-1']);

    const stx = byDeposit['d-stx-1'];
    assert.equal(stx.type, 'transfer.pending');
    assert.equal(stx.data.direction, 'from');
    assert.equal(stx.data.recommended_action, 'freeze_deposit');
    assert.equal(stx.data.listed_address, LISTED.stacks);
    assert.equal(stx.data.transfer.chain, 'stacks');
    assert.deepEqual(stx.data.transfer.senders, [LISTED.stacks]);
    assert.equal(stx.data.transfer.recipient, DEPOSIT_ADDRESS.stacks);
    assert.deepEqual(stx.data.transfer.amount, { base_units: '1500000', decimal: '1.5', display: '1.5 STX' });
    assert.deepEqual(stx.data.transfer.asset, { symbol: 'STX', contract: '', decimals: 6 });
    assert.equal(stx.data.transfer.block_height, 150000);
    assert.equal(stx.data.deposit.account_id, 'u-d-stx-1');
    assert.equal(stx.data.deposit.deposit_address, DEPOSIT_ADDRESS.stacks);
    assert.equal(stx.data.deposit.credited, false);
    const entry = stx.data.watchlist.entries[0];
    assert.equal(entry.list, 'it');
    assert.equal(entry.label, 'ALEX Lab exploiter');
    assert.equal(entry.incident, 'alex-lab-2024');
    assert.equal(entry.severity, 'high');
    assert.equal(entry.line, 3);
    assert.match(stx.data.watchlist.version, /^[0-9a-f]+$/);

    const evmAlert = byDeposit['d-evm-1'];
    assert.equal(evmAlert.data.recommended_action, 'freeze_deposit');
    assert.equal(evmAlert.data.listed_address, LISTED.evm.toLowerCase(), 'EVM addresses are canonical lower case');
    assert.equal(evmAlert.data.transfer.chain, 'evm');
    assert.equal(evmAlert.data.transfer.chain_name, 'ethereum');
    assert.deepEqual(evmAlert.data.transfer.amount, { base_units: '250750000', decimal: '250.75', display: '250.75 USDT' });
    assert.equal(evmAlert.data.watchlist.entries[0].severity, 'critical');

    const trx = byDeposit['d-trx-1'];
    assert.equal(trx.type, 'transfer.credited');
    assert.equal(trx.data.recommended_action, 'freeze_account');
    assert.equal(trx.data.deposit.credited, true);
    assert.equal(trx.data.transfer.amount.decimal, '99');

    const to = byDeposit['d-to-1'];
    assert.equal(to.data.direction, 'to');
    assert.equal(to.data.recommended_action, 'review');
    assert.deepEqual(to.data.transfer.senders, [CLEAN.stacks]);

    // Heartbeats: signed too, so silence is never mistaken for safety.
    await waitFor(() => receiver.heartbeats().length >= 2, { timeout: 5000, what: 'two heartbeats' });
    for (const hb of receiver.heartbeats()) {
      assert.ok(hb.valid, `heartbeat ${hb.id} signature: ${hb.error}`);
      assert.match(hb.id, /^hb_\d+$/);
      assert.ok(Array.isArray(hb.body.data.sources), 'heartbeat names the sources');
      assert.equal(hb.body.data.sources[0].name, 'exchange');
    }

    // The metrics agree: 7 frames, 7 transfers, 4 matches, 4 alerts, 4 delivered.
    const m = await daemon.waitForMetrics(
      (x) => x.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome: 'delivered' }) === 4,
      '4 delivered attempts in /metrics',
    );
    assert.equal(m.get('freezewatch_frames_received_total', { source: 'exchange' }), 7);
    assert.equal(m.get('freezewatch_transfers_decoded_total', { source: 'exchange' }), 7);
    assert.equal(m.sum('freezewatch_frames_rejected_total', { source: 'exchange' }), 0);
    assert.equal(m.get('freezewatch_matches_total'), 4);
    assert.equal(m.get('freezewatch_alerts_emitted_total'), 4);
    assert.equal(m.get('freezewatch_alerts_deduplicated_total'), 0);
    assert.equal(m.get('freezewatch_outbox_pending'), 0);
    assert.equal(m.get('freezewatch_source_connected', { source: 'exchange' }), 1);
    assert.ok(m.get('freezewatch_heartbeats_total', { endpoint: 'compliance', outcome: 'delivered' }) >= 1);
    assert.equal(m.get('freezewatch_detection_latency_seconds_count'), 4);
    assert.equal(m.get('freezewatch_delivery_latency_seconds_count', { endpoint: 'compliance' }), 4);

    const ready = await daemon.get('/readyz');
    assert.equal(ready.status, 200, ready.body);
    assert.match(ready.body, /^ready\n/);

    // Graceful stop: SIGTERM -> exit 0.
    const exit = await daemon.stop();
    assert.deepEqual(exit, { code: 0, signal: null });
  },
);
