'use strict';
// /metrics is valid Prometheus exposition (promtool check metrics), serves
// every metric docs/metrics.md lists, with every documented label value
// present at 0 from start-up, and stays valid after traffic of every kind.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { itest } = require('./lib/harness');
const { deposit } = require('./lib/events');
const { REPO } = require('./lib/daemon');

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));

// Metric names and label values from docs/metrics.md's tables.
function documented() {
  const text = fs.readFileSync(path.join(REPO, 'docs', 'metrics.md'), 'utf8');
  const metrics = new Map(); // name -> type
  for (const m of text.matchAll(/^\| `(freezewatch_[a-z0-9_]+)` \| (counter|gauge|histogram) \|/gm)) metrics.set(m[1], m[2]);
  const section = (title) => text.split(title)[1].split('\n\n')[1];
  const values = (block) => [...block.matchAll(/^\| `([a-z_]+)` \|/gm)].map((x) => x[1]);
  return {
    metrics,
    reasons: values(section('`reason` values of `freezewatch_frames_rejected_total`:')),
    outcomes: values(section('`outcome` values:')),
  };
}

function promtoolCheck(text) {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30000 });
  return { code: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

itest(
  '/metrics passes promtool check metrics and serves every documented metric and label value',
  {
    webhooks: { compliance: { retry: { initial_ms: 50, max_ms: 100 } } },
    configure: (cfg) => cfg.webhooks.push({ name: 'stdout', type: 'log' }),
  },
  async (h, t) => {
    const { feed, receiver, daemon } = h;
    const doc = documented();
    t.diagnostic(`${doc.metrics.size} documented metrics, ${doc.reasons.length} reasons, ${doc.outcomes.length} outcomes; promtool: ${PROMTOOL || 'missing'}`);
    assert.ok(doc.metrics.size >= 25, `found ${doc.metrics.size} metrics in docs/metrics.md`);
    assert.ok(doc.reasons.includes('oversized') && doc.outcomes.includes('timeout'), 'label tables parsed');

    // At start-up, before any traffic.
    let r = await daemon.get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    let m = await daemon.metrics();
    const names = m.names();
    const missing = [];
    for (const [name, type] of doc.metrics) {
      const present = type === 'histogram' ? names.has(`${name}_bucket`) && names.has(`${name}_count`) : names.has(name);
      if (!present) missing.push(`${name} (${type})`);
    }
    assert.deepEqual(missing, [], 'documented metrics missing from /metrics');
    for (const reason of doc.reasons)
      assert.equal(m.get('freezewatch_frames_rejected_total', { source: 'exchange', reason }), 0, `reason=${reason} at 0`);
    for (const endpoint of ['compliance', 'stdout'])
      for (const outcome of doc.outcomes)
        assert.equal(m.get('freezewatch_webhook_attempts_total', { endpoint, outcome }), 0, `${endpoint} outcome=${outcome} at 0`);
    assert.equal(m.get('freezewatch_watchlist_entries'), 3);
    assert.equal(m.find('freezewatch_watchlist_version_info').length, 1, 'one live watchlist version');
    assert.equal(m.get('freezewatch_watchlist_reloads_total'), 1);
    assert.equal(m.get('freezewatch_build_info'), 1);
    assert.ok(Math.abs(m.get('freezewatch_start_time_seconds') - Date.now() / 1000) < 120);

    if (PROMTOOL) {
      const c = promtoolCheck(r.body);
      assert.equal(c.code, 0, `promtool check metrics at start-up:\n${c.out}`);
    } else {
      t.diagnostic('promtool not installed: exposition format not checked');
    }

    // Traffic of every kind: a delivered alert (both endpoints), a retry,
    // a rejected frame, an ignored frame.
    receiver.script(500);
    await feed.send(deposit('d-m-1'));
    await feed.sendRaw('garbage');
    await feed.send({ type: 'withdrawal' });
    await receiver.waitForDelivered(1);
    m = await daemon.waitForMetrics(
      (x) => x.get('freezewatch_webhook_attempts_total', { endpoint: 'stdout', outcome: 'delivered' }) === 1 &&
        x.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome: 'delivered' }) === 1,
      'delivered to both endpoints',
    );
    assert.equal(m.get('freezewatch_webhook_attempts_total', { endpoint: 'compliance', outcome: 'retry' }), 1);
    assert.equal(m.get('freezewatch_frames_rejected_total', { source: 'exchange', reason: 'not_json' }), 1);
    assert.equal(m.get('freezewatch_alerts_emitted_total'), 1, 'one alert, fanned out to two endpoints');
    assert.ok(m.get('freezewatch_source_last_frame_timestamp_seconds', { source: 'exchange' }) > 0);

    // The log sink wrote the alert as one JSON line on stdout.
    const stdout = fs.readFileSync(path.join(daemon.dir, 'stdout.1.log'), 'utf8');
    const line = stdout.split('\n').find((l) => l.includes('d-m-1'));
    assert.ok(line, 'log sink wrote the alert to stdout');
    assert.equal(JSON.parse(line).data.alert_id, receiver.delivered()[0].id);

    r = await daemon.get('/metrics');
    if (PROMTOOL) {
      const c = promtoolCheck(r.body);
      assert.equal(c.code, 0, `promtool check metrics after traffic:\n${c.out}`);
    }
    // HELP and TYPE for every family.
    const families = new Set([...r.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => x[1]));
    for (const name of doc.metrics.keys()) assert.ok(families.has(name), `# TYPE line for ${name}`);
  },
);
