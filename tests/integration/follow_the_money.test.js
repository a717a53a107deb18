'use strict';
// Follow the money (docs/follow-the-money.md) end to end on a stacks_node
// source: scripted blocks POSTed as a stacks-node would, A listed in a file
// under an incident that watchlists.follow follows (max_hops 2, min_amount
// 10 STX, X excluded).
//
//   block 1: A -> B 50 STX, A -> X 60 STX (X excluded)
//   block 2: B -> C 20 STX, B -> E 5 STX (under the minimum), B -> G 15 STX
//            (G excluded through exclude_files)
//   block 3: C -> D 19 STX, X -> Y 30 STX
//   (C approved)
//   block 4: C -> F 12 STX
//
// B (hop 1) and C (hop 2) become derived entries with their paths; D (C is
// at max_hops), E (amount), G and X (excluded) and Y (X is not listed) do not.
// B -> C, B -> E and C -> D alert as "suspected" with evidence.path; after
// the approval C -> F alerts as "listed".

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { itest } = require('./lib/harness');
const { freePort } = require('./lib/daemon');
const { waitFor } = require('./lib/wait');
const S = require('./lib/stacks_node');
const { AdminApi, withAdminTokens, stacksAddress } = require('./lib/admin_api');

const NAKAMOTO = S.readDerived('new_block.nakamoto.stx_transfer.json'); // a testnet block, the template
const addr = (l) => stacksAddress(`ftm-${l}`, { testnet: true });
const [A, B, C, D, E, F, G, X, Y] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'X', 'Y'].map(addr);
const NAMES = { [A]: 'A', [B]: 'B', [C]: 'C', [D]: 'D', [E]: 'E', [F]: 'F', [G]: 'G', [X]: 'X', [Y]: 'Y' };
const STX = (n) => String(n * 1e6);

function tx(label, from, to, stx) {
  return { txid: S.hash32(`ftm-tx-${label}`), sender: from, recipient: to, amount: STX(stx), label };
}

const T = {
  AB: tx('AB', A, B, 50),
  AX: tx('AX', A, X, 60),
  BC: tx('BC', B, C, 20),
  BE: tx('BE', B, E, 5),
  BG: tx('BG', B, G, 15),
  CD: tx('CD', C, D, 19),
  XY: tx('XY', X, Y, 30),
  CF: tx('CF', C, F, 12),
};

function block(n, transfers) {
  return S.scriptedBlock(NAKAMOTO, {
    height: 100 + n, hash: S.hash32(`ftm-block-${n}`), parent: S.hash32(`ftm-block-${n - 1}`), transfers,
  });
}

function confirmed(receiver, t, direction = 'from') {
  return receiver.delivered().filter(
    (r) => r.type === 'transfer.confirmed' && r.body.data.transfer.tx_id === t.txid && r.body.data.direction === direction,
  );
}

function waitConfirmed(receiver, t) {
  return waitFor(() => confirmed(receiver, t)[0], { timeout: 10000, what: `confirmed alert for ${t.label}` });
}

async function derived(api) {
  const entries = await api.listAll({ kind: 'derived' });
  return Object.fromEntries(entries.map((e) => [NAMES[e.address] || e.address, e]));
}

function assertStep(step, t, what) {
  assert.equal(step.from, t.sender, `${what}: from`);
  assert.equal(step.to, t.recipient, `${what}: to`);
  assert.equal(step.tx_id, t.txid, `${what}: tx_id`);
  assert.equal(step.chain_name, 'stacks', `${what}: chain_name`);
  assert.equal(step.asset, 'STX', `${what}: asset`);
  assert.equal(step.amount, String(Number(t.amount) / 1e6), `${what}: amount in display units`);
}

itest(
  'A -> B -> C -> D with max_hops 2: B and C derived with paths, D not; exclusions and the minimum honoured; approval flips suspected to listed',
  { feed: false, autostart: false, timeout: 50000 },
  async (h, t) => {
    const { daemon, receiver } = h;
    const { alice } = withAdminTokens(daemon);
    const api = new AdminApi(daemon, alice);
    const port = await freePort();
    fs.writeFileSync(
      path.join(daemon.dir, 'watchlist.csv'),
      'address,chain,label,incident,source,severity,added_at,notes\n' + `${A},stacks,Exploiter,ftm-it,it,critical,2024-05-16,\n`,
    );
    daemon.config.sources = [S.nodeSourceConfig('node', port, { network: 'testnet', final_depth: 10 })];
    fs.writeFileSync(path.join(daemon.dir, 'known-services.txt'), `# exchanges, bridges, pools\n${G}\n`);
    daemon.config.watchlists.follow = {
      incidents: ['ftm-it'], max_hops: 2, min_amount: { STX: '10' }, exclude: [X], exclude_files: ['known-services.txt'],
      expire_after_hours: 24,
    };
    daemon.writeConfig();
    await daemon.start();
    await daemon.waitForMetrics((m) => m.get('freezewatch_source_connected', { source: 'node' }) === 1, 'node source listening');

    const client = new S.ObserverClient(port);
    const post = async (b) => {
      const r = await client.post('/new_block', b);
      assert.equal(r.status, 200, r.body);
    };
    try {
      await post(S.scriptedBlock(NAKAMOTO, { height: 100, hash: S.hash32('ftm-block-0'), parent: S.hash32('ftm-genesis'), transfers: [] }));

      // Block 1: A -> B derives B (hop 1); A -> X does not (excluded).
      await post(block(1, [T.AB, T.AX]));
      const ab = await waitConfirmed(receiver, T.AB);
      assert.equal(ab.body.data.classification, 'listed');
      assert.equal(ab.body.data.listed_address, A);
      assert.deepEqual(ab.body.data.evidence.path, []);
      await waitConfirmed(receiver, T.AX);
      const d1 = await waitFor(async () => (await derived(api)).B, { what: 'B derived' });
      assert.equal(d1.kind, 'derived');
      assert.equal(d1.hops, 1);
      assert.equal(d1.seed, A);
      assert.equal(d1.incident, 'ftm-it');
      assert.equal(d1.suspected, true);
      assert.equal(d1.approved, false);
      assert.equal(d1.added_by, 'follow-the-money');
      assert.equal(d1.path.length, 1);
      assertStep(d1.path[0], T.AB, 'B path[0]');
      assert.ok(d1.expires_at_ms > Date.now() + 23 * 3600e3, 'expires after expire_after_hours');

      // Block 2: B -> C alerts as suspected and derives C (hop 2); B -> E (5 STX) is under the minimum.
      await post(block(2, [T.BC, T.BE, T.BG]));
      const bc = await waitConfirmed(receiver, T.BC);
      const dbc = bc.body.data;
      assert.ok(bc.valid, bc.error);
      assert.equal(dbc.listed_address, B);
      assert.equal(dbc.classification, 'suspected');
      assert.equal(dbc.evidence.path.length, 1);
      assertStep(dbc.evidence.path[0], T.AB, 'B->C evidence.path[0]');
      assert.ok(dbc.evidence.path[0].tx_url.includes(encodeURIComponent(T.AB.txid)) || dbc.evidence.path[0].tx_url.includes(T.AB.txid),
        dbc.evidence.path[0].tx_url);
      const lb = dbc.watchlist.entries.find((e) => e.kind === 'derived');
      assert.equal(lb.hops, 1);
      assert.equal(lb.seed, A);
      assert.equal(lb.added_by, 'follow-the-money');
      const be = await waitConfirmed(receiver, T.BE);
      assert.equal(be.body.data.classification, 'suspected');
      const d2 = await waitFor(async () => (await derived(api)).C, { what: 'C derived' });
      assert.equal(d2.hops, 2);
      assert.equal(d2.seed, A);
      assert.equal(d2.path.length, 2);
      assertStep(d2.path[0], T.AB, 'C path[0]');
      assertStep(d2.path[1], T.BC, 'C path[1]');

      // Block 3: C -> D alerts (suspected, the path A->B->C); D is not derived (C is at max_hops).
      await post(block(3, [T.CD, T.XY]));
      const cd = await waitConfirmed(receiver, T.CD);
      const dcd = cd.body.data;
      assert.equal(dcd.listed_address, C);
      assert.equal(dcd.classification, 'suspected');
      assert.equal(dcd.evidence.path.length, 2);
      assertStep(dcd.evidence.path[0], T.AB, 'C->D evidence.path[0]');
      assertStep(dcd.evidence.path[1], T.BC, 'C->D evidence.path[1]');
      assert.match(dcd.evidence.links.tx, /^https:\/\/explorer\.hiro\.so\/txid\/.*chain=testnet$/);
      const lc = dcd.watchlist.entries.find((e) => e.kind === 'derived');
      assert.equal(lc.hops, 2);
      assert.equal(lc.path.length, 2);

      // Wait until block 3 is processed entirely, then: only B and C are derived.
      await waitFor(() => fs.readdirSync(path.join(daemon.dir, 'state', 'spool', 'node')).filter((f) => f.endsWith('.json')).length === 0,
        { what: 'the spool drained' });
      await daemon.waitForMetrics((m) => m.get('freezewatch_outbox_pending') === 0, 'outbox drained');
      const all = await derived(api);
      assert.deepEqual(Object.keys(all).sort(), ['B', 'C'], `derived: ${Object.keys(all).join(', ')}`);
      assert.equal(confirmed(receiver, T.XY).length, 0, 'X (excluded, never derived) does not alert');
      assert.equal(confirmed(receiver, T.BG)[0]?.body.data.classification, 'suspected', 'B -> G alerts (from B)');
      for (const a of [D, E, G, X, Y]) {
        const g = await api.get(a);
        assert.equal(g.status, 404, `${NAMES[a]} is not listed: ${g.body}`);
      }

      // Retro-scans of the derived addresses name only them.
      const retro = receiver.delivered().filter((r) => r.type === 'transfer.retro');
      for (const r of retro) assert.ok([B, C].includes(r.body.data.listed_address),
        `retro alert ${r.id} names ${NAMES[r.body.data.listed_address]} (${r.body.data.direction}, tx ${r.body.data.transfer.tx_id})`);
      t.diagnostic(`retro alerts after derivation: ${retro.map((r) => `${NAMES[r.body.data.listed_address]}:${r.body.data.direction}`).join(', ') || 'none'}`);

      // Approve C: the next transfer from C alerts as listed.
      const ap = await api.approve(C);
      assert.equal(ap.status, 200, ap.body);
      assert.equal(ap.json.approved, 1, ap.body);
      assert.equal((await api.approve(D)).status, 404, 'D has no derived entry to approve');
      const c2 = (await derived(api)).C;
      assert.equal(c2.approved, true);
      assert.equal(c2.approved_by, 'alice');
      assert.equal(c2.suspected, false);
      await post(block(4, [T.CF]));
      const cf = await waitConfirmed(receiver, T.CF);
      assert.equal(cf.body.data.classification, 'listed');
      const lcf = cf.body.data.watchlist.entries.find((e) => e.kind === 'derived');
      assert.equal(lcf.approved, true);
      assert.equal(lcf.approved_by, 'alice');
      assert.equal(confirmed(receiver, T.CD)[0].body.data.classification, 'suspected', 'an alert already sent is not re-sent');
      assert.ok(!(await derived(api)).F, 'F not derived (C is at max_hops)');

      // The audit log has the derivations and the approval.
      const au = await api.audit({ since: 0, limit: 1000 });
      const acts = au.json.records.map((r) => `${r.action}:${NAMES[r.address] || r.address}:${r.who}`);
      assert.ok(acts.includes('derive:B:follow-the-money'), acts.join(' '));
      assert.ok(acts.includes('derive:C:follow-the-money'), acts.join(' '));
      assert.ok(acts.includes('approve:C:alice'), acts.join(' '));
      const m = await daemon.metrics();
      assert.equal(m.get('freezewatch_watchlist_live_entries', { kind: 'derived' }), 2);
      assert.equal(m.get('freezewatch_watchlist_live_entries', { kind: 'suspected' }), 1);
    } finally {
      client.close();
    }
  },
);
