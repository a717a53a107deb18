'use strict';
// /readyz follows the feed: a feed that stays connected but goes silent
// (pongs still flowing) makes the source stale and /readyz 503, naming the
// source; the next frame makes it ready again. A feed that is down fails
// /readyz too, and the source comes back when the feed does.

const assert = require('node:assert/strict');
const { itest } = require('./lib/harness');
const { deposit } = require('./lib/events');
const { waitFor } = require('./lib/wait');

itest(
  'a silent feed flips /readyz to 503 naming the stale source, and back on the next frame',
  { source: { stale_after_ms: 1000, ping_interval_ms: 300, idle_timeout_ms: 10000 } },
  async (h, t) => {
    const { feed, daemon } = h;

    await feed.send(deposit('d-r-1', { from: 'clean' }));
    const lastFrameAt = Date.now();
    let r = await daemon.get('/readyz');
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /^ready\n/);
    assert.match(r.body, /^ok: source exchange: connected/m);
    assert.match(r.body, /^ok: watchlist: /m);
    assert.match(r.body, /^ok: outbox: /m);

    // Silence (the connection stays up, pings are answered).
    r = await waitFor(async () => {
      const x = await daemon.get('/readyz');
      return x.status === 503 ? x : null;
    }, { timeout: 6000, what: '/readyz 503 after silence' });
    const silentFor = Date.now() - lastFrameAt;
    t.diagnostic(`/readyz 503 after ${silentFor} ms of silence: ${JSON.stringify(r.body.split('\n')[0])}`);
    assert.ok(silentFor >= 900, `stale after ${silentFor} ms of silence, stale_after_ms is 1000`);
    assert.match(r.body, /^not ready: source exchange: stale/, 'the first line names the source and why');
    assert.match(r.body, /^ok: watchlist: /m);
    let m = await daemon.metrics();
    assert.equal(m.get('freezewatch_source_stale', { source: 'exchange' }), 1);
    assert.equal(m.get('freezewatch_source_connected', { source: 'exchange' }), 1, 'stale is still connected');
    const lastTs = m.get('freezewatch_source_last_frame_timestamp_seconds', { source: 'exchange' });
    assert.ok(Math.abs(lastTs - lastFrameAt / 1000) < 5, `last frame timestamp ${lastTs}`);
    assert.equal(feed.connections.length, 1, 'silence alone does not drop the connection');

    // The next frame: ready again.
    await feed.send(deposit('d-r-2', { from: 'clean' }));
    await waitFor(async () => (await daemon.get('/readyz')).status === 200, { timeout: 3000, what: '/readyz 200 after a frame' });
    m = await daemon.metrics();
    assert.equal(m.get('freezewatch_source_stale', { source: 'exchange' }), 0);

    // HEAD answers like GET without a body; other methods are refused.
    r = await daemon.request('/readyz', 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    r = await daemon.request('/readyz', 'POST');
    assert.equal(r.status, 405);
    r = await daemon.get('/nope');
    assert.equal(r.status, 404);
  },
);

itest(
  'a feed that is down fails /readyz; the source reconnects when it is back',
  { source: { stale_after_ms: 5000, reconnect: { initial_ms: 50, max_ms: 300 } } },
  async (h) => {
    const { feed, daemon, receiver } = h;
    await feed.send(deposit('d-up-1'));
    await receiver.waitForDelivered(1);

    const port = feed.port;
    await feed.stop();
    const r = await waitFor(async () => {
      const x = await daemon.get('/readyz');
      return x.status === 503 ? x : null;
    }, { timeout: 5000, what: '/readyz 503 with the feed down' });
    assert.match(r.body, /^not ready: source exchange: (disconnected|connecting)/);
    await daemon.waitForMetrics((x) => x.get('freezewatch_source_connected', { source: 'exchange' }) === 0, 'connected gauge 0');
    // Keep it down for a few attempts.
    await daemon.waitForMetrics((x) => x.get('freezewatch_source_reconnects_total', { source: 'exchange' }) >= 3, 'reconnect attempts counted');
    assert.equal((await daemon.get('/healthz')).status, 200, 'liveness is not readiness');

    await feed.start(port);
    await feed.waitForMessages(2, 1, 10000);
    await feed.send(deposit('d-up-2'));
    await receiver.waitForDelivered(2);
    await waitFor(async () => (await daemon.get('/readyz')).status === 200, { timeout: 3000, what: '/readyz 200 after the feed is back' });
  },
);
