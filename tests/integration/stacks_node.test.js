'use strict';
// The stacks_node source end to end: recorded stacks-node event-observer
// POSTs (../shared/fixtures/stacks/event-observer) over real HTTP into the
// real daemon, alerts checked at a webhook receiver that verifies every
// signature with the standardwebhooks package.
//
//   - every TSV replayed line by line: exactly one transfer.confirmed per
//     moved STX / FT transfer (an independent reading of the bodies and a
//     small chain model say which), spot-checked values, nothing for
//     committed:false events, one alert for a block delivered twice, the real
//     fork of mainnet-reorg-scenario2, and mempool / microblock sightings
//     sharing the base id of the block event that confirms them;
//   - a scripted fork and re-join: transfer.retracted for the orphaned
//     transfer, transfer.confirmed for its replacement, and a new revision
//     when the first branch wins again;
//   - mempool: transfer.pending before the block, confirmed with the same
//     base id, a drop retracts, final_depth 2 makes it final one block later;
//   - a crash between the 200 and processing loses nothing and changes no id;
//   - garbage bodies and bad raw transactions: answered 200, quarantined with
//     a reason, counted; the daemon stays up and the next block alerts;
//   - a listen port in use: the source is down and /readyz says why.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { once } = require('node:events');
const { itest, webhookConfig } = require('./lib/harness');
const { Daemon, freePort } = require('./lib/daemon');
const { waitFor } = require('./lib/wait');
const S = require('./lib/stacks_node');

const TSV_FILES = fs.readdirSync(S.OBSERVER_DIR).filter((f) => f.endsWith('.tsv')).sort();
const NAKAMOTO = S.readDerived('new_block.nakamoto.stx_transfer.json'); // height 2, one STX transfer (0x516c07d6...)
const MEMPOOL = S.readDerived('new_mempool_tx.json'); // the same transaction, raw
const NAKAMOTO_SENDER = 'ST1YEHRRYJ4GF9CYBFFN0ZVCXX1APSBEEQ5KEDN7M';
const NAKAMOTO_TXID = '0x516c07d6398d0ba082d1da053784da5bbfce2252102e486ba94bab9c693c4b0f';
const FUZZED = S.readObserverTsv('fuzzed-transactions-1.tsv');

// Scenario options: no deposit feed; the body configures the sources itself.
function scenario(webhookOverrides = {}, extra = {}) {
  return { feed: false, autostart: false, webhooks: { compliance: { concurrency: 8, ...webhookOverrides } }, ...extra };
}

// Writes the watchlist and the sources into the scenario's config, starts
// the daemon and waits until every source listens.
async function startDaemon(daemon, { sources, addresses }) {
  fs.writeFileSync(path.join(daemon.dir, 'watchlist.csv'), S.watchlistCsv(addresses));
  daemon.config.sources = sources;
  daemon.writeConfig();
  await daemon.start();
  await waitForListening(daemon, sources.map((s) => s.name));
}

function waitForListening(daemon, names) {
  return daemon.waitForMetrics(
    (m) => names.every((n) => m.get('freezewatch_source_connected', { source: n }) === 1),
    `sources listening: ${names.join(', ')}`,
  );
}

function spoolDir(daemon, source) {
  return path.join(daemon.dir, 'state', 'spool', source);
}

function spoolEntries(daemon, source, sub = '') {
  const dir = path.join(spoolDir(daemon, source), sub);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^\d{20}\.[a-z0-9_-]+\.json$/.test(f)).sort();
}

// Every body answered 200 has been processed and its checkpoint is durable.
function waitForSpoolEmpty(daemon, sources, timeout = 20000) {
  return waitFor(() => sources.every((s) => spoolEntries(daemon, s).length === 0), {
    timeout,
    what: `empty spools (${sources.map((s) => `${s}: ${spoolEntries(daemon, s).length}`).join(', ')})`,
  });
}

// Every alert the daemon emitted has been delivered; returns the metrics.
async function waitForQuiet(h, timeout = 20000) {
  let m;
  await waitFor(
    async () => {
      m = await h.daemon.metrics();
      const emitted = m.get('freezewatch_alerts_emitted_total');
      return m.get('freezewatch_outbox_pending') === 0 && h.receiver.deliveredIds().size === emitted;
    },
    { timeout, what: `every emitted alert delivered (have ${h.receiver.deliveredIds().size})` },
  );
  return m;
}

// Delivered alerts (one per webhook-id), optionally of one source / type.
function alerts(receiver, { source, type, txid } = {}) {
  const byId = new Map();
  for (const r of receiver.delivered()) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()].filter(
    (r) =>
      (!source || r.body.data.transfer.source === source) &&
      (!type || r.type === type) &&
      (!txid || r.body.data.transfer.tx_id === txid),
  );
}

function waitForAlert(receiver, filter, what, timeout = 10000) {
  return waitFor(() => alerts(receiver, filter)[0], { timeout, what });
}

function multiset(keys) {
  const m = new Map();
  for (const k of keys) m.set(k, (m.get(k) || 0) + 1);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sourceName(file) {
  return 'eo-' + file.replace(/\.tsv$/, '').replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase();
}

// ------------------------------------------------------------------------

itest(
  'every recorded event-observer TSV: one confirmed alert per moved transfer, none for uncommitted events, forks and repeats handled',
  scenario({ filter: { direction: 'from', stages: ['pending', 'confirmed', 'retracted'] } }, { timeout: 45000 }),
  async (h, t) => {
    const { daemon, receiver } = h;
    const files = [];
    for (const file of TSV_FILES) {
      const lines = S.readObserverTsv(file);
      const model = new S.ChainModel();
      const failed = new Set();
      const included = new Set();
      for (const l of lines) {
        if (l.path !== '/new_block') continue;
        model.addBlock(l.body);
        for (const tx of l.body.transactions) (tx.status === 'success' ? included : failed).add(tx.txid);
      }
      files.push({ file, name: sourceName(file), lines, model, failed, included, port: await freePort() });
    }
    const addresses = new Set(files.flatMap((f) => [...S.sendersOf(f.lines)]));
    const sources = files.map((f) =>
      S.nodeSourceConfig(f.name, f.port, {
        // Separate chain names: the recordings are separate chains, and a
        // transaction seen in two of them must alert in each.
        chain_name: `stacks-${f.name}`,
        network: /^(mainnet|poison)/.test(f.file) ? 'mainnet' : 'testnet',
      }),
    );
    await startDaemon(daemon, { sources, addresses });

    // The node posts each recording in order; the recordings run side by side.
    await Promise.all(
      files.map(async (f) => {
        const client = new S.ObserverClient(f.port);
        try {
          await client.replay(f.lines);
        } finally {
          client.close();
        }
      }),
    );
    await waitForSpoolEmpty(daemon, files.map((f) => f.name));
    const m = await waitForQuiet(h, 30000);

    for (const f of files) {
      const mine = alerts(receiver, { source: f.name });
      for (const a of mine) assert.ok(a.valid, `${f.file}: ${a.id}: ${a.error}`);
      const confirmed = mine.filter((a) => a.type === 'transfer.confirmed');
      const pending = mine.filter((a) => a.type === 'transfer.pending');
      const retracted = mine.filter((a) => a.type === 'transfer.retracted');
      t.diagnostic(
        `${f.file}: ${f.lines.length} POSTs, ${f.model.blocks.size} blocks, ${confirmed.length} confirmed, ` +
          `${pending.length} pending, ${retracted.length} retracted, ${f.model.reorgs} reorg(s)`,
      );

      // Exactly the model's confirmations, transfer by transfer.
      assert.equal(confirmed.length, f.model.confirmed.length, `${f.file}: confirmed alerts`);
      assert.deepEqual(
        multiset(confirmed.map(S.alertTransferKey)),
        multiset(f.model.confirmed.map(S.keyWithoutOccurrence)),
        `${f.file}: the confirmed transfers are the moved transfers of the canonical blocks`,
      );
      for (const a of confirmed) {
        const tr = a.body.data.transfer;
        assert.equal(a.body.data.direction, 'from');
        assert.equal(a.body.data.listed_address, tr.senders[0]);
        assert.equal(tr.chain, 'stacks');
        assert.equal(tr.chain_name, `stacks-${f.name}`);
        assert.equal(tr.status, 'confirmed');
        assert.ok(f.model.blocks.has(tr.block_hash), `${f.file}: ${tr.tx_id} names block ${tr.block_hash}`);
        assert.equal(tr.block_height, f.model.blocks.get(tr.block_hash).height);
        assert.equal(a.id, `${a.body.data.base_id}_confirmed`);
      }

      // Retractions: reorgs as the model says; otherwise a pending transfer
      // whose transaction failed in a block.
      const byReorg = retracted.filter((a) => a.body.data.transfer.status_reason.startsWith('reorg: '));
      assert.deepEqual(
        multiset(byReorg.map(S.alertTransferKey)),
        multiset(f.model.retracted.map(S.keyWithoutOccurrence)),
        `${f.file}: reorg retractions`,
      );
      for (const a of retracted.filter((x) => !byReorg.includes(x))) {
        const tr = a.body.data.transfer;
        assert.match(tr.status_reason, /^failed in block: /, `${f.file}: ${a.id}`);
        assert.ok(f.failed.has(tr.tx_id), `${f.file}: ${tr.tx_id} retracted as failed but no block failed it`);
        assert.ok(pending.some((p) => p.body.data.base_id === a.body.data.base_id), `${f.file}: ${a.id} retracts a pending alert`);
      }

      // Mempool (SIP-005 decode) and microblock sightings agree with the
      // block events that later confirm them: one base id for both.
      const confirmedBase = new Set(confirmed.map((a) => a.body.data.base_id));
      let agreeing = 0;
      for (const p of pending) {
        const tr = p.body.data.transfer;
        if (!f.included.has(tr.tx_id) || tr.asset.contract.endsWith('::?')) continue;
        assert.ok(
          confirmedBase.has(p.body.data.base_id),
          `${f.file}: pending ${tr.tx_id} (${tr.senders[0]} -> ${tr.recipient}, ${tr.amount.base_units}) has no confirmed alert with its base id`,
        );
        agreeing += 1;
      }
      if (/^(epoch-3|fuzzed|mainnet-reorg)/.test(f.file)) assert.ok(agreeing > 0, `${f.file}: pending sightings confirmed later`);

      assert.equal(m.get('freezewatch_chain_reorgs_total', { source: f.name }), f.model.reorgs, `${f.file}: reorgs counted`);
    }

    const byFile = Object.fromEntries(files.map((f) => [f.file, f]));

    // committed:false events (an aborted transaction) never alert, at any stage.
    {
      const f = byFile['mainnet-out-of-order-microblock.tsv'];
      const uncommitted = f.lines
        .filter((l) => l.path === '/new_block' || l.path === '/new_microblocks')
        .flatMap((l) => S.transferEvents(l.body).filter((e) => !e.committed));
      assert.ok(uncommitted.length > 0, 'the fixture has committed:false transfer events');
      for (const e of uncommitted) {
        assert.ok(addresses.has(e.sender), 'the uncommitted sender is listed');
        assert.deepEqual(alerts(receiver, { txid: e.txid }).map((a) => a.id), [], `no alert for uncommitted ${e.txid}`);
      }
    }

    // A block delivered twice: one alert per transfer.
    {
      const f = byFile['poisonmicroblock.tsv'];
      assert.equal(f.lines.length, 2);
      assert.equal(f.lines[0].body.index_block_hash, f.lines[1].body.index_block_hash);
      const moved = S.movedTransfers(f.lines[0].body);
      assert.equal(alerts(receiver, { source: f.name, type: 'transfer.confirmed' }).length, moved.length);
      const deliveries = receiver.delivered().filter((r) => r.body.data.transfer.source === f.name).length;
      assert.equal(deliveries, moved.length, 'no transfer delivered twice');

      // Spot checks: an STX transfer with a text memo, an FT transfer from a contract.
      const [stx] = alerts(receiver, { source: f.name, txid: '0x605301e5e5e79f29260a300e8fb8aff39bbc2f504921477cbd569e495c3a77e2' });
      const st = stx.body.data.transfer;
      assert.equal(st.amount.base_units, '600000');
      assert.equal(st.amount.decimal, '0.6');
      assert.deepEqual(st.asset, { symbol: 'STX', contract: '', decimals: 6 });
      assert.deepEqual(st.senders, ['SPZRWJXJTHVZ129B8PH7XG87DWBQ5FYZC4W0ENTH']);
      assert.equal(st.recipient, 'SP3PX4GT6S24GTKY165HTZKCEW7WJFMSN9HG3HBR');
      assert.equal(st.memo, '737478' + '00'.repeat(31), 'the memo as the node sends it: hex without 0x');
      assert.equal(st.memo_text, 'stx');
      assert.equal(st.event_index, 101);
      assert.equal(st.block_height, 1);
      assert.equal(st.block_hash, '0x05ca75b9949195da435e6e36d731dbaa10bb75fda576a52263e25164990bfdaa');
      assert.equal(Date.parse(st.block_time), 1666586366 * 1000, 'block_time: the burn block time (pre-Nakamoto)');
      assert.equal(st.network, 'mainnet');

      const [ft] = alerts(receiver, { source: f.name, txid: '0x58ffe62029f94f7101b959536ea4953b9bce0ec3f6e2a06254c511bdd5cfa9e7' })
        .filter((a) => a.body.data.transfer.amount.base_units === '4660580394');
      const fd = ft.body.data.transfer;
      assert.equal(fd.asset.contract, 'SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.auto-alex::auto-alex');
      assert.deepEqual(fd.senders, ['SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.fwp-wstx-alex-tranched-64']);
      assert.equal(fd.recipient, 'SP213BBTNDYH92JNRZHSK5YEPBYSVRAFKTHFGZ1FK');
      assert.equal(fd.memo, '');
      assert.equal(fd.memo_text, null);
      assert.equal(fd.event_index, 217);
      assert.equal(ft.body.data.listed_address, 'SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.fwp-wstx-alex-tranched-64');
    }

    // The recorded fork: two blocks at height 2 on one parent, the same
    // transfers in both. The switch is a reorg that retracts nothing and
    // does not alert the transfers a second time.
    {
      const f = byFile['mainnet-reorg-scenario2.tsv'];
      const [a, b] = f.lines.filter((l) => l.path === '/new_block' && l.body.block_height === 2).map((l) => l.body);
      assert.equal(a.parent_index_block_hash, b.parent_index_block_hash);
      assert.notEqual(a.index_block_hash, b.index_block_hash);
      assert.equal(f.model.reorgs, 1);
      assert.equal(f.model.retracted.length, 0, 'the replacing block holds every transfer of the first');
      assert.equal(alerts(receiver, { source: f.name, type: 'transfer.retracted' }).length, 0);
      for (const tr of S.movedTransfers(a)) {
        const got = alerts(receiver, { source: f.name, type: 'transfer.confirmed', txid: tr.txid });
        assert.equal(got.length, 1, `${tr.txid} confirmed once across the fork`);
      }
      // Nakamoto spot check: block_time from the block itself.
      const fz = byFile['fuzzed-transactions-1.tsv'];
      const [nk] = alerts(receiver, { source: fz.name, type: 'transfer.confirmed', txid: NAKAMOTO_TXID });
      const nt = nk.body.data.transfer;
      assert.equal(nt.amount.base_units, '1000');
      assert.equal(nt.recipient, 'ST1WNJTS9JM1JYGK758B10DBAMBZ0K23ADP392SBV');
      assert.equal(nt.memo, '00'.repeat(34));
      assert.equal(nt.memo_text, null, 'an all-zero memo is not text');
      assert.equal(Date.parse(nt.block_time), NAKAMOTO.block_time * 1000);
      assert.equal(nt.network, 'testnet');
    }

    assert.ok(daemon.running);
    for (const f of files) assert.deepEqual(spoolEntries(daemon, f.name, 'failed'), [], `${f.file}: nothing quarantined`);
  },
);

// ------------------------------------------------------------------------

itest(
  'a scripted fork and re-join: retracted for the orphaned transfer, confirmed for its replacement, a new revision when the first branch wins',
  scenario(),
  async (h) => {
    const { daemon, receiver } = h;
    const port = await freePort();
    await startDaemon(daemon, {
      sources: [S.nodeSourceConfig('node', port, { network: 'testnet', final_depth: 10 })],
      addresses: [NAKAMOTO_SENDER],
    });
    const client = new S.ObserverClient(port);
    try {
      const ev = NAKAMOTO.events[0].stx_transfer_event;
      const memoHex = Buffer.concat([Buffer.from('deposit 42'), Buffer.alloc(24)]).toString('hex');
      const X = { txid: S.hash32('tx-X'), sender: ev.sender, recipient: ev.recipient, amount: 1000, memo: memoHex };
      const Y = { txid: S.hash32('tx-Y'), sender: ev.sender, recipient: ev.recipient, amount: 990, memo: memoHex };
      const block = (label, height, parent, transfers) =>
        S.scriptedBlock(NAKAMOTO, { height, hash: S.hash32(label), parent: parent.startsWith('0x') ? parent : S.hash32(parent), transfers });
      const A1 = block('A1', 100, 'genesis', []);
      const A2 = block('A2', 101, 'A1', [X]);
      const B2 = block('B2', 101, 'A1', [Y]);
      const B3 = block('B3', 102, 'B2', []);
      const A3 = block('A3', 102, 'A2', []);
      const post = async (b) => assert.equal((await client.post('/new_block', b)).status, 200);

      await post(A1);
      await post(A2);
      const x1 = await waitForAlert(receiver, { type: 'transfer.confirmed', txid: X.txid }, 'X confirmed in A2');
      assert.equal(x1.body.data.transfer.block_hash, A2.index_block_hash);
      assert.equal(x1.body.data.transfer.memo_text, 'deposit 42');
      assert.equal(x1.body.data.transfer.revision, 0);

      // B2 replaces A2 (same height, newest wins): X leaves, Y comes in.
      await post(B2);
      const xr = await waitForAlert(receiver, { type: 'transfer.retracted', txid: X.txid }, 'X retracted by the fork');
      const y1 = await waitForAlert(receiver, { type: 'transfer.confirmed', txid: Y.txid }, 'Y confirmed in B2');
      assert.equal(xr.body.data.base_id, x1.body.data.base_id);
      assert.equal(xr.id, `${x1.body.data.base_id}_retracted`);
      assert.match(xr.body.data.transfer.status_reason, /^reorg/);
      assert.ok(xr.body.data.transfer.status_reason.includes(A2.index_block_hash), xr.body.data.transfer.status_reason);
      assert.equal(xr.body.data.recommended_action, 'none');
      assert.equal(y1.body.data.transfer.block_hash, B2.index_block_hash);
      assert.equal(y1.body.data.transfer.amount.base_units, '990');

      // B3 extends B2; then A3 makes the A branch longest-and-newest again.
      await post(B3);
      await post(A3);
      const yr = await waitForAlert(receiver, { type: 'transfer.retracted', txid: Y.txid }, 'Y retracted by the re-join');
      const x2 = await waitFor(
        () => alerts(receiver, { type: 'transfer.confirmed', txid: X.txid }).find((a) => a.body.data.transfer.revision === 1),
        { what: 'X confirmed again (revision 1)' },
      );
      assert.equal(yr.body.data.base_id, y1.body.data.base_id);
      assert.ok(yr.body.data.transfer.status_reason.includes(B2.index_block_hash), yr.body.data.transfer.status_reason);
      assert.equal(x2.body.data.base_id, x1.body.data.base_id);
      assert.equal(x2.id, `${x1.body.data.base_id}_confirmed_1`);
      assert.equal(x2.body.data.transfer.block_hash, A2.index_block_hash);

      await waitForSpoolEmpty(daemon, ['node']);
      const m = await waitForQuiet(h);
      assert.equal(receiver.deliveredIds().size, 5, 'X, X retracted, Y, Y retracted, X again');
      assert.equal(m.get('freezewatch_chain_reorgs_total', { source: 'node' }), 2);
      assert.equal(m.get('freezewatch_chain_tip_height', { source: 'node' }), 102);
      assert.match(daemon.logs(), /reorganisation/);
    } finally {
      client.close();
    }
  },
);

// ------------------------------------------------------------------------

itest(
  'mempool: pending before the block, confirmed under the same base id, a drop retracts, final after the next block (final_depth 2)',
  // The second sender also receives the first transfer: alert senders only.
  scenario({ filter: { direction: 'from' } }),
  async (h) => {
    const { daemon, receiver } = h;
    // A second transfer to drop: another recorded STX transfer, sent raw as the node would.
    const other = FUZZED.filter((l) => l.path === '/new_block')
      .flatMap((l) => S.movedTransfers(l.body).map((tr) => ({ tr, tx: l.body.transactions.find((x) => x.txid === tr.txid) })))
      .find(({ tr }) => tr.txid !== NAKAMOTO_TXID && tr.type === 'stx_transfer_event');
    const port = await freePort();
    await startDaemon(daemon, {
      sources: [S.nodeSourceConfig('node', port, { network: 'testnet', final_depth: 2 })],
      addresses: [NAKAMOTO_SENDER, other.tr.sender],
    });
    const client = new S.ObserverClient(port);
    try {
      assert.equal((await client.post('/new_mempool_tx', MEMPOOL)).status, 200);
      const p = await waitForAlert(receiver, { type: 'transfer.pending', txid: NAKAMOTO_TXID }, 'pending alert from the mempool');
      const pt = p.body.data.transfer;
      assert.ok(p.valid, p.error);
      assert.equal(pt.status, 'pending');
      assert.deepEqual(pt.senders, [NAKAMOTO_SENDER]);
      assert.equal(pt.recipient, 'ST1WNJTS9JM1JYGK758B10DBAMBZ0K23ADP392SBV');
      assert.equal(pt.amount.base_units, '1000');
      assert.equal(pt.memo, '00'.repeat(34));
      assert.equal(pt.block_height, null);
      assert.equal(alerts(receiver, { type: 'transfer.confirmed' }).length, 0, 'pending arrives before any block');

      assert.equal((await client.post('/new_block', NAKAMOTO)).status, 200);
      const c = await waitForAlert(receiver, { type: 'transfer.confirmed', txid: NAKAMOTO_TXID }, 'confirmed alert');
      assert.equal(c.body.data.base_id, p.body.data.base_id, 'the mempool decode and the block event are one transfer');
      assert.equal(c.id, `${p.body.data.base_id}_confirmed`);
      assert.equal(c.body.data.transfer.block_height, NAKAMOTO.block_height);
      assert.equal(c.body.data.transfer.block_hash, NAKAMOTO.index_block_hash);
      assert.ok(c.at >= p.at);

      // Another transaction enters the mempool and is replaced by fee.
      assert.equal((await client.post('/new_mempool_tx', [other.tx.raw_tx])).status, 200);
      const p2 = await waitForAlert(receiver, { type: 'transfer.pending', txid: other.tr.txid }, 'second pending alert');
      const replacement = S.hash32('rbf');
      const drop = { dropped_txids: [other.tr.txid.toUpperCase().replace('0X', '')], reason: 'ReplaceByFee', new_txid: replacement };
      assert.equal((await client.post('/drop_mempool_tx', drop)).status, 200);
      const r2 = await waitForAlert(receiver, { type: 'transfer.retracted', txid: other.tr.txid }, 'dropped transfer retracted');
      assert.equal(r2.body.data.base_id, p2.body.data.base_id);
      assert.equal(r2.body.data.transfer.status_reason, 'dropped: ReplaceByFee');
      assert.equal(r2.body.data.transfer.replaced_by, replacement);

      // One more block on top: two confirmations = final.
      const next = S.scriptedBlock(NAKAMOTO, {
        height: NAKAMOTO.block_height + 1, hash: S.hash32('next'), parent: NAKAMOTO.index_block_hash, transfers: [],
      });
      assert.equal(alerts(receiver, { type: 'transfer.final' }).length, 0, 'one confirmation is not final');
      assert.equal((await client.post('/new_block', next)).status, 200);
      const fin = await waitForAlert(receiver, { type: 'transfer.final', txid: NAKAMOTO_TXID }, 'final alert');
      assert.equal(fin.id, `${p.body.data.base_id}_final`);
      assert.equal(fin.body.data.transfer.block_hash, NAKAMOTO.index_block_hash);

      await waitForSpoolEmpty(daemon, ['node']);
      await waitForQuiet(h);
      assert.equal(receiver.deliveredIds().size, 5, 'pending, confirmed, pending, retracted, final');
      for (const a of receiver.delivered()) assert.ok(a.valid, a.error);
    } finally {
      client.close();
    }
  },
);

// ------------------------------------------------------------------------

itest(
  'a crash between the 200 and processing: after restart the spooled block alerts under the same webhook-id',
  scenario(),
  async (h) => {
    const { daemon, receiver } = h;
    const port = await freePort();
    const sources = [S.nodeSourceConfig('node', port, { network: 'testnet' })];
    daemon.env.FREEZEWATCH_FAULT_ABORT_AFTER_SPOOL = '1';
    await startDaemon(daemon, { sources, addresses: [NAKAMOTO_SENDER] });

    const client = new S.ObserverClient(port);
    try {
      const r = await client.post('/new_block', NAKAMOTO);
      assert.equal(r.status, 200, 'answered before the crash');
    } finally {
      client.close();
    }
    const exit = await daemon.exited;
    assert.equal(exit.signal, 'SIGABRT', `the daemon aborted: ${JSON.stringify(exit)}`);
    assert.equal(spoolEntries(daemon, 'node').length, 1, 'the body is in the spool');
    assert.equal(receiver.requests.length, 0, 'nothing was processed');

    delete daemon.env.FREEZEWATCH_FAULT_ABORT_AFTER_SPOOL;
    await daemon.start();
    const a = await waitForAlert(receiver, { type: 'transfer.confirmed', txid: NAKAMOTO_TXID }, 'the spooled block alerts after restart');
    assert.ok(a.valid, a.error);
    await waitForSpoolEmpty(daemon, ['node']);
    await waitForQuiet(h);
    assert.equal(receiver.deliveredIds().size, 1);
    assert.match(daemon.logs(), /left by the previous run/);

    // The same block into a daemon that never crashed: the same id.
    const controlPort = await freePort();
    const control = await Daemon.create({
      sources: [S.nodeSourceConfig('node', controlPort, { network: 'testnet' })],
      webhooks: [webhookConfig('compliance', receiver)],
      watchlistCsv: S.watchlistCsv([NAKAMOTO_SENDER]),
      env: { FW_IT_SECRET: h.secret },
    });
    try {
      await control.start();
      await waitForListening(control, ['node']);
      const c2 = new S.ObserverClient(controlPort);
      try {
        assert.equal((await c2.post('/new_block', NAKAMOTO)).status, 200);
      } finally {
        c2.close();
      }
      await waitFor(() => receiver.delivered().length === 2, { what: 'the control daemon alert' });
      const [first, second] = receiver.delivered();
      assert.equal(second.id, first.id, 'the crash changed no webhook-id');
      assert.equal(second.body.data.alert_id, first.body.data.alert_id);
    } catch (e) {
      process.stderr.write(control.logs());
      throw e;
    } finally {
      await control.cleanup();
    }
  },
);

// ------------------------------------------------------------------------

itest(
  'garbage and truncated bodies and bad raw transactions: answered 200, quarantined with a reason, counted; the next block still alerts',
  scenario(),
  async (h) => {
    const { daemon, receiver } = h;
    const port = await freePort();
    await startDaemon(daemon, {
      sources: [S.nodeSourceConfig('node', port, { network: 'testnet', max_body_bytes: 65536 })],
      addresses: [NAKAMOTO_SENDER],
    });
    const before = await daemon.metrics();
    for (const reason of ['not_json', 'bad_tx', 'missing_field', 'spool_error'])
      assert.equal(before.get('freezewatch_frames_rejected_total', { source: 'node', reason }), 0, `${reason} series at 0`);

    const block = JSON.stringify(NAKAMOTO);
    const rawTx = MEMPOOL[0];
    const garbage = [
      ['/new_block', 'this is {not json'],
      ['/new_block', block.slice(0, Math.floor(block.length / 2))], // truncated
      ['/new_block', ''],
      ['/new_block', '{"block_height": 7}'],
      ['/new_microblocks', '[1,2,3]'],
      ['/new_burn_block', '{"burn_block_height": "x"}'],
      ['/drop_mempool_tx', '{"reason": "ReplaceByFee"}'],
      ['/new_mempool_tx', '{"not": "an array"}'],
      ['/new_mempool_tx', JSON.stringify(['0xdeadbeef'])], // not a transaction
      ['/new_mempool_tx', JSON.stringify([rawTx.slice(0, rawTx.length - 40)])], // truncated transaction
      ['/new_mempool_tx', JSON.stringify([rawTx.slice(0, 12) + 'ff' + rawTx.slice(14)])], // corrupted auth type
      ['/new_mempool_tx', JSON.stringify([rawTx + '00'])], // trailing byte
      ['/new_mempool_tx', JSON.stringify(['0xzz'])], // not hex
    ];
    const client = new S.ObserverClient(port);
    try {
      for (const [p, body] of garbage) {
        const r = await client.post(p, body);
        assert.equal(r.status, 200, `${p} ${body.slice(0, 40)}: spooled and answered 200`);
      }
      // Paths the source does not process: 200, not spooled.
      for (const p of ['/attachments/new', '/stackerdb_chunks', '/proposal_response'])
        assert.equal((await client.post(p, '{}')).status, 200, p);
      // Refused by HTTP rules: not spooled either.
      assert.equal((await client.request('/new_block', '', { method: 'GET' })).status, 405);
      assert.equal((await client.post('/new_block', 'x'.repeat(70000))).status, 413);
    } finally {
      client.close();
    }

    const quarantined = garbage.length;
    await waitFor(() => spoolEntries(daemon, 'node', 'failed').length === quarantined, {
      what: `${quarantined} bodies in failed/ (have ${spoolEntries(daemon, 'node', 'failed').length})`,
    });
    await waitForSpoolEmpty(daemon, ['node']);
    const failedDir = path.join(spoolDir(daemon, 'node'), 'failed');
    const names = spoolEntries(daemon, 'node', 'failed');
    assert.deepEqual(names.map((n) => n.split('.')[1]), garbage.map(([p]) => p.slice(1)), 'kept in arrival order, by route');
    for (const [i, n] of names.entries()) {
      assert.equal(fs.readFileSync(path.join(failedDir, n), 'utf8'), garbage[i][1], `${n}: the body byte for byte`);
      const reason = fs.readFileSync(path.join(failedDir, n + '.reason'), 'utf8').trim();
      assert.ok(reason.length > 0, `${n}: a reason`);
    }
    assert.match(fs.readFileSync(path.join(failedDir, names[0] + '.reason'), 'utf8'), /not_json/);
    assert.match(fs.readFileSync(path.join(failedDir, names[8] + '.reason'), 'utf8'), /bad_tx/);

    // Another connection, a good block: still alerts.
    const client2 = new S.ObserverClient(port);
    try {
      assert.equal((await client2.post('/new_block', NAKAMOTO)).status, 200);
    } finally {
      client2.close();
    }
    const a = await waitForAlert(receiver, { type: 'transfer.confirmed', txid: NAKAMOTO_TXID }, 'the good block alerts');
    assert.ok(a.valid, a.error);

    const m = await waitForQuiet(h);
    assert.ok(daemon.running, 'the daemon is still up');
    assert.equal(m.get('freezewatch_frames_rejected_total', { source: 'node', reason: 'not_json' }), 3, 'three bodies are not JSON');
    assert.equal(m.get('freezewatch_frames_rejected_total', { source: 'node', reason: 'bad_tx' }), 5, 'five raw transactions do not decode');
    const total = m.sum('freezewatch_frames_rejected_total', { source: 'node' });
    assert.ok(total >= quarantined, `every bad body counted (${total})`);
    assert.equal(m.get('freezewatch_frames_rejected_total', { source: 'node', reason: 'spool_error' }), 0);
    assert.equal(m.get('freezewatch_source_connected', { source: 'node' }), 1);
    assert.equal(receiver.deliveredIds().size, 1);
    assert.match(daemon.logs(), /quarantined/);
    const ready = await daemon.get('/readyz');
    assert.equal(ready.status, 200, ready.body);
  },
);

// ------------------------------------------------------------------------

itest('a listen address in use: the source is down and /readyz says why', scenario(), async (h) => {
  const { daemon } = h;
  const blocker = net.createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = blocker.address().port;
  try {
    fs.writeFileSync(path.join(daemon.dir, 'watchlist.csv'), S.watchlistCsv([NAKAMOTO_SENDER]));
    daemon.config.sources = [S.nodeSourceConfig('node', port)];
    daemon.writeConfig();
    await daemon.start();
    const r = await waitFor(
      async () => {
        const x = await daemon.get('/readyz');
        return x.status === 503 && x.body.includes('source node') ? x : null;
      },
      { what: '/readyz naming the source' },
    );
    assert.match(r.body, /not ready: source node: disconnected \(listen on 127\.0\.0\.1:\d+: address already in use\)/);
    const m = await daemon.metrics();
    assert.equal(m.get('freezewatch_source_connected', { source: 'node' }), 0);
    assert.ok(daemon.running, 'the daemon keeps running (the other parts work)');
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
