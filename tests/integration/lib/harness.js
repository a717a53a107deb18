'use strict';
// One integration scenario = a scripted feed, one or more webhook receivers
// and a freezewatch process wired to them, with short timeouts and backoffs
// so the suite is fast. itest() wraps node:test's test(): it builds the
// scenario, runs the body, prints freezewatch's logs when the body fails,
// and tears everything down (the temp dir is kept on failure or with FW_IT_KEEP=1).

const { test } = require('node:test');
const { Feed } = require('./feed');
const { Receiver } = require('./receiver');
const { Daemon, newSecret } = require('./daemon');
const { WATCHLIST_CSV } = require('./events');
const { sleep } = require('./wait');

const SUBSCRIBE = '{"op":"subscribe","channel":"deposits"}';
const FEED_TOKEN = 'it-feed-token-' + process.pid;

function sourceConfig(feed, overrides = {}) {
  return {
    name: 'exchange',
    type: 'deposits_ws',
    url: feed.url,
    headers: { Authorization: 'Bearer ${FW_IT_FEED_TOKEN}' },
    subscribe_message: SUBSCRIBE,
    connect_timeout_ms: 2000,
    idle_timeout_ms: 10000,
    ping_interval_ms: 2000,
    stale_after_ms: 0,
    max_frame_bytes: 65536,
    reconnect: { initial_ms: 20, max_ms: 200 },
    ...overrides,
  };
}

function webhookConfig(name, receiver, overrides = {}) {
  return {
    name,
    type: 'http',
    url: receiver.url(),
    secrets: ['${FW_IT_SECRET}'],
    timeout_ms: 2000,
    concurrency: 2,
    retry: { initial_ms: 50, max_ms: 200 },
    retry_for_ms: 120000,
    ...overrides,
  };
}

// opts: {feed: bool (default true), receivers: [names] (default ['compliance']),
//        source: overrides, webhooks: {name: overrides}, rotate: bool (two secrets),
//        configure(cfg), autostart: bool (default true)}
// Fills `h` in place, so a scenario that fails half-way can still be torn down.
async function buildScenario(opts = {}, h = { feed: null, receivers: {}, daemon: null }) {
  const secret = newSecret();
  const oldSecret = newSecret();
  h.secret = secret;
  h.oldSecret = oldSecret;
  if (opts.feed !== false) h.feed = await new Feed().start();
  const names = opts.receivers || ['compliance'];
  const receiverSecrets = opts.rotate ? [secret, oldSecret] : [secret];
  for (const n of names) h.receivers[n] = await new Receiver({ secrets: receiverSecrets, name: n }).start();
  h.receiver = h.receivers[names[0]];
  const webhooks = names.map((n) => {
    const w = webhookConfig(n, h.receivers[n], (opts.webhooks || {})[n]);
    if (opts.rotate) w.secrets = ['${FW_IT_SECRET}', '${FW_IT_SECRET_OLD}'];
    return w;
  });
  h.daemon = await Daemon.create({
    sources: h.feed ? [sourceConfig(h.feed, opts.source)] : [],
    webhooks,
    watchlistCsv: WATCHLIST_CSV,
    env: { FW_IT_SECRET: secret, FW_IT_SECRET_OLD: oldSecret, FW_IT_FEED_TOKEN: FEED_TOKEN },
    configure: opts.configure,
  });
  if (opts.autostart !== false) {
    await h.daemon.start();
    if (h.feed) await h.feed.waitForMessages(1, 1); // connected and subscribed
  }
  return h;
}

// Each step is bounded: a teardown must never be what hangs.
async function teardown(h, failed) {
  const bounded = (p) => Promise.race([p.catch(() => {}), sleep(5000, undefined, { ref: false })]);
  if (h.daemon) await bounded(h.daemon.cleanup({ keep: failed }));
  for (const r of Object.values(h.receivers)) await bounded(r.stop());
  if (h.feed) await bounded(h.feed.stop());
}

function describeScenario(h) {
  let text = '';
  if (h.daemon) text += `temp dir: ${h.daemon.dir}\n` + h.daemon.logs();
  for (const [n, r] of Object.entries(h.receivers)) {
    text += `----- receiver ${n}: ${r.requests.length} requests -----\n`;
    for (const q of r.requests)
      text += `${new Date(q.at).toISOString()} ${q.method} ${q.path} id=${q.id} type=${q.type} valid=${q.valid} answer=${q.answer}${q.error ? ' error=' + q.error : ''}\n`;
  }
  if (h.feed) {
    text += `----- feed: ${h.feed.connections.length} connections, ${h.feed.sent.length} events sent -----\n`;
    h.feed.connections.forEach((c, i) =>
      (text += `#${i + 1} ${c.url} closed=${c.closed} code=${c.closeCode} messages=${JSON.stringify(c.messages.map(String))}\n`));
  }
  return text;
}

// Runs `body` with a deadline of its own (a little under node:test's), so a
// stuck scenario still fails with its logs and is torn down: node:test's own
// timeout would leave the servers open and the process hanging.
function itest(name, opts, body) {
  const timeout = opts.timeout || 60000;
  test(name, { timeout: timeout + 15000 }, async (t) => {
    const h = { feed: null, receivers: {}, daemon: null };
    let failed = true;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario did not finish within ${timeout} ms`)), timeout);
    });
    try {
      await Promise.race([
        (async () => {
          await buildScenario(opts, h);
          await body(h, t);
        })(),
        deadline,
      ]);
      failed = false;
    } catch (e) {
      process.stderr.write(`\n===== ${name}: FAILED, scenario state =====\n${describeScenario(h)}\n`);
      throw e;
    } finally {
      clearTimeout(timer);
      await teardown(h, failed);
    }
  });
}

module.exports = { itest, buildScenario, teardown, sourceConfig, webhookConfig, SUBSCRIBE, FEED_TOKEN };
