'use strict';
// The EVM source against a REAL node: anvil (npm @foundry-rs/anvil) with an
// ERC-20 compiled offline by npm solc in the test. freezewatch subscribes
// over the node's websocket; the webhook receiver verifies every request
// with the standardwebhooks package.
//
//   1. a listed address sends tokens            -> transfer.confirmed
//   2. final_depth blocks are mined             -> transfer.final
//   3. anvil_reorg orphans a second transfer    -> transfer.retracted ("reorg: ...")
//      (anvil sends no removed:true: detected from hashes and parent hashes)
//   4. freezewatch stops, transfers happen (one tx with two identical
//      transfers), blocks are mined, freezewatch restarts -> every missed
//      alert is delivered by the eth_getLogs backfill, exactly once
//   and separately: a node serving another chain id is refused (/readyz says why);
//   and, with a scripted node (lib/evm_fake_node.js) because real dev nodes never
//   send it: a removed:true log retracts a transfer although no newHeads shows the reorg;
//   and an eth_getLogs answer larger than max_frame_bytes shrinks the range (no endless reconnects).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Daemon, newSecret } = require('./lib/daemon');
const { Receiver } = require('./lib/receiver');
const { webhookConfig } = require('./lib/harness');
const { Anvil, ACCOUNTS } = require('./lib/evm_node');
const { compileToken } = require('./lib/evm_token');
const { FakeEvmNode, hash32 } = require('./lib/evm_fake_node');
const { waitFor, sleep } = require('./lib/wait');

const [DEPLOYER, LISTED, RECIPIENT] = ACCOUNTS;
const CHAIN_ID = 31337;
const FINAL_DEPTH = 3;

const WATCHLIST_CSV = [
  'address,chain,label,incident,source,severity,added_at,notes',
  `${LISTED},evm,EVM test exploiter,evm-it,integration test,critical,2024-05-16,`,
  '',
].join('\n');

function evmSource(anvil, token, overrides = {}) {
  return {
    name: 'anvil',
    type: 'evm',
    url: anvil.wsUrl,
    chain_id: CHAIN_ID,
    chain_name: 'anvil',
    network: 'testnet',
    final_depth: FINAL_DEPTH,
    tokens: [{ asset: token, symbol: 'FWT', decimals: 6 }],
    getlogs_max_range: 2, // several ranges per backfill
    request_timeout_ms: 5000,
    connect_timeout_ms: 2000,
    idle_timeout_ms: 10000,
    ping_interval_ms: 2000,
    stale_after_ms: 0,
    reconnect: { initial_ms: 20, max_ms: 200 },
    ...overrides,
  };
}

// Builds anvil + token + receiver + daemon, runs `body`, prints every log on failure.
function evmTest(name, { timeout = 60000, source = {} } = {}, body) {
  test(name, { timeout: timeout + 15000, skip: !Anvil.available() && 'anvil binary not installed (npm ci)' }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-evm-'));
    const s = { anvil: new Anvil({ chainId: CHAIN_ID, dir }), receiver: null, daemon: null };
    let failed = true;
    let timer;
    try {
      await Promise.race([
        (async () => {
          await s.anvil.start();
          s.compiled = compileToken();
          const supply = 1_000_000_000_000n;
          s.token = (await s.anvil.deploy(DEPLOYER, s.compiled.bytecode, supply.toString(16).padStart(64, '0'))).address;
          // Fund the listed address, then an empty block: freezewatch's first
          // start begins at the head, which must not hold the funding.
          await s.anvil.tokenCall(s.token, s.compiled.transfer, DEPLOYER, LISTED, 1_000_000_000n);
          await s.anvil.mine(1);
          const secret = newSecret();
          s.receiver = await new Receiver({ secrets: [secret], name: 'compliance' }).start();
          s.daemon = await Daemon.create({
            sources: [evmSource(s.anvil, s.token, source)],
            webhooks: [webhookConfig('compliance', s.receiver)],
            watchlistCsv: WATCHLIST_CSV,
            env: { FW_IT_SECRET: secret },
          });
          await body(s);
        })(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`scenario did not finish within ${timeout} ms`)), timeout);
        }),
      ]);
      failed = false;
    } catch (e) {
      let text = `\n===== ${name}: FAILED =====\ntemp dir: ${dir}\n`;
      if (s.daemon) text += s.daemon.logs();
      text += `----- anvil -----\n${s.anvil.logs().split('\n').slice(-80).join('\n')}\n`;
      if (s.receiver) {
        text += `----- receiver: ${s.receiver.requests.length} requests -----\n`;
        for (const q of s.receiver.requests)
          text += `${q.id} ${q.type} valid=${q.valid} tx=${q.body && q.body.data && q.body.data.transfer && q.body.data.transfer.tx_id}\n`;
      }
      process.stderr.write(text);
      throw e;
    } finally {
      clearTimeout(timer);
      const bounded = (p) => Promise.race([p.catch(() => {}), sleep(5000, undefined, { ref: false })]);
      if (s.daemon) await bounded(s.daemon.cleanup({ keep: failed }));
      if (s.receiver) await bounded(s.receiver.stop());
      await bounded(s.anvil.stop());
      if (!failed && !process.env.FW_IT_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function waitReady(daemon, timeout = 15000) {
  let last;
  await waitFor(
    async () => {
      last = await daemon.get('/readyz');
      return last.status === 200;
    },
    { timeout, interval: 50, what: `/readyz 200 (last: ${last && last.body})` },
  );
}

// Alerts (heartbeats excluded) about `tx` with `type`, in arrival order.
function alertsFor(receiver, tx, type) {
  return receiver.alerts().filter((r) => r.body && r.body.data.transfer.tx_id === tx && (!type || r.type === type));
}

async function waitAlerts(receiver, tx, type, n = 1, timeout = 15000) {
  await waitFor(() => alertsFor(receiver, tx, type).length >= n, {
    timeout, what: `${n} ${type} alert(s) for ${tx} (have ${receiver.alerts().map((r) => r.type).join(', ')})`,
  });
  return alertsFor(receiver, tx, type);
}

evmTest('anvil: confirmed, final, retracted by a real reorg, and backfilled exactly once after a restart', {}, async (s) => {
  const { anvil, receiver, daemon, token, compiled } = s;
  await daemon.start();
  await waitReady(daemon);

  // 1. A listed address sends: transfer.confirmed at inclusion.
  const t1 = await anvil.tokenCall(token, compiled.transfer, LISTED, RECIPIENT, 1000n);
  const [c1] = await waitAlerts(receiver, t1.hash, 'transfer.confirmed');
  assert.equal(c1.valid, true, `signature must verify: ${c1.error}`);
  assert.equal(c1.id, c1.body.data.alert_id);
  const d = c1.body.data;
  assert.equal(d.stage, 'confirmed');
  assert.equal(d.direction, 'from');
  assert.equal(d.listed_address, LISTED);
  assert.equal(d.watchlist.entries[0].incident, 'evm-it');
  assert.equal(d.transfer.chain, 'evm');
  assert.equal(d.transfer.chain_name, 'anvil');
  assert.equal(d.transfer.network, 'testnet');
  assert.deepEqual(d.transfer.asset, { symbol: 'FWT', contract: token, decimals: 6 });
  assert.deepEqual(d.transfer.senders, [LISTED]);
  assert.equal(d.transfer.recipient, RECIPIENT);
  assert.equal(d.transfer.amount.base_units, '1000');
  assert.equal(d.transfer.amount.display, '0.001 FWT');
  assert.equal(d.transfer.block_height, t1.block);
  assert.equal(d.transfer.block_hash, t1.blockHash);
  assert.equal(d.transfer.status, 'confirmed');
  assert.equal(d.transfer.source, 'anvil');
  assert.ok(d.transfer.block_time, 'block_time from the block header');

  // 2. final_depth confirmations: transfer.final, same base id.
  await anvil.mine(FINAL_DEPTH - 1);
  const [f1] = await waitAlerts(receiver, t1.hash, 'transfer.final');
  assert.equal(f1.valid, true);
  assert.equal(f1.body.data.base_id, d.base_id);
  assert.equal(f1.body.data.transfer.status, 'final');

  // 3. A real reorg orphans the next transfer's block; anvil sends no removed:true.
  const t2 = await anvil.tokenCall(token, compiled.transfer, LISTED, RECIPIENT, 2000n);
  const [c2] = await waitAlerts(receiver, t2.hash, 'transfer.confirmed');
  await anvil.reorg(1);
  assert.notEqual((await anvil.block(t2.block)).hash, t2.blockHash, 'anvil replaced the block');
  const [r2] = await waitAlerts(receiver, t2.hash, 'transfer.retracted');
  assert.equal(r2.valid, true);
  assert.equal(r2.body.data.base_id, c2.body.data.base_id);
  assert.equal(r2.body.data.transfer.status, 'retracted');
  assert.match(r2.body.data.transfer.status_reason, /^reorg: block 0x[0-9a-f]{64} at height \d+ left the canonical chain$/);
  assert.ok(r2.body.data.transfer.status_reason.includes(t2.blockHash));
  const m = await daemon.metrics();
  assert.equal(m.get('freezewatch_chain_reorgs_total', { source: 'anvil' }), 1);
  assert.equal(m.get('freezewatch_chain_tip_height', { source: 'anvil' }), await anvil.blockNumber());
  assert.equal(m.get('freezewatch_chain_transfers_total', { source: 'anvil', stage: 'retracted' }), 1);

  // 4. Down while transfers happen; the restart backfills them with eth_getLogs.
  const before = receiver.alerts().length;
  const stopped = await daemon.stop();
  assert.equal(stopped.code, 0);
  const t3 = await anvil.tokenCall(token, compiled.transfer, LISTED, RECIPIENT, 3000n);
  const t4 = await anvil.tokenCall(token, compiled.transferTwice, LISTED, RECIPIENT, 4000n);
  await anvil.mine(FINAL_DEPTH + 2);
  await daemon.start();
  const c3 = await waitAlerts(receiver, t3.hash, 'transfer.final');
  const c4 = await waitAlerts(receiver, t4.hash, 'transfer.final', 2);
  await waitReady(daemon);
  await sleep(1000); // anything late or duplicated would arrive now

  assert.equal(alertsFor(receiver, t3.hash, 'transfer.confirmed').length, 1);
  assert.equal(alertsFor(receiver, t3.hash, 'transfer.final').length, 1);
  assert.equal(c3[0].body.data.transfer.block_height, t3.block);
  // One transaction, two identical Transfer events: two transfers, two alerts per stage.
  const t4confirmed = alertsFor(receiver, t4.hash, 'transfer.confirmed');
  assert.equal(t4confirmed.length, 2);
  assert.equal(c4.length, 2);
  assert.notEqual(t4confirmed[0].id, t4confirmed[1].id);
  assert.deepEqual(t4confirmed.map((r) => r.body.data.transfer.event_index).sort(), [0, 1]);
  // Exactly the six new alerts; nothing from before the restart was sent again.
  assert.equal(receiver.alerts().length, before + 6, receiver.alerts().map((r) => `${r.type} ${r.body.data.transfer.tx_id}`).join('\n'));
  const ids = receiver.alerts().map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'every alert id delivered once');
  assert.ok(receiver.alerts().every((r) => r.valid), 'every signature verifies');
  assert.equal(alertsFor(receiver, t1.hash).length, 2);
  assert.equal(alertsFor(receiver, t2.hash).length, 2);
});

evmTest('anvil: a node serving another chain id is refused and the reason is on /readyz', { timeout: 30000, source: { chain_id: 1 } },
  async (s) => {
    await s.daemon.start();
    let last;
    await waitFor(
      async () => {
        last = await s.daemon.get('/readyz');
        return last.status === 503 && last.body.includes('chain id mismatch');
      },
      { timeout: 10000, interval: 50, what: `/readyz naming the chain id mismatch (last: ${last && last.body})` },
    );
    assert.match(last.body, /source anvil: disconnected \(chain id mismatch: the node at ws:\/\/127\.0\.0\.1:\d+ serves chain id 31337, the source is configured for chain_id 1\)/);
    // Nothing is read from a chain that is not the configured one.
    await s.anvil.tokenCall(s.token, s.compiled.transfer, LISTED, RECIPIENT, 1n);
    await sleep(500);
    assert.equal(s.receiver.alerts().length, 0);
  });

evmTest('anvil: native_transfers alerts on a value transfer and not on a reverted one', { timeout: 30000, source: { native_transfers: true } },
  async (s) => {
    const { anvil, receiver, daemon, token, compiled } = s;
    await daemon.start();
    await waitReady(daemon);
    const eth = await anvil.send({ from: LISTED, to: RECIPIENT, value: '0xde0b6b3a7640000' }); // 1 ETH
    const [c] = await waitAlerts(receiver, eth.hash, 'transfer.confirmed');
    assert.equal(c.valid, true);
    const t = c.body.data.transfer;
    assert.deepEqual(t.asset, { symbol: '', contract: '', decimals: 18 });
    assert.equal(t.amount.base_units, '1000000000000000000');
    assert.equal(t.amount.decimal, '1');
    assert.deepEqual(t.senders, [LISTED]);
    assert.equal(t.recipient, RECIPIENT);
    assert.equal(t.block_height, eth.block);
    // Value sent to the (non-payable) token contract: mined, reverted, moved nothing.
    const reverted = await anvil.rpc('eth_sendTransaction', [{ from: LISTED, to: token, value: '0x1', gas: '0x186a0' }]);
    assert.equal((await anvil.waitReceipt(reverted)).status, '0x0');
    // A later token transfer proves the reverted block was processed.
    const later = await anvil.tokenCall(token, compiled.transfer, LISTED, RECIPIENT, 7n);
    await waitAlerts(receiver, later.hash, 'transfer.confirmed');
    assert.equal(alertsFor(receiver, reverted).length, 0);
  });

test('scripted node: removed:true retracts a transfer although no newHeads shows the reorg', { timeout: 45000 }, async () => {
  const token = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
  const node = await new FakeEvmNode({ chainId: 1337 }).start();
  for (let i = 0; i < 3; ++i) node.pushBlock([]);
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret], name: 'compliance' }).start();
  const daemon = await Daemon.create({
    sources: [evmSource(node, token, { name: 'anvil', chain_id: 1337, final_depth: 6 })],
    webhooks: [webhookConfig('compliance', receiver)],
    watchlistCsv: WATCHLIST_CSV,
    env: { FW_IT_SECRET: secret },
  });
  let failed = true;
  try {
    await daemon.start();
    await waitReady(daemon);
    const tx = hash32('a transfer that a reorg removes');
    const block = node.mine([FakeEvmNode.transferLog(token, LISTED, RECIPIENT, 5000n, tx)]);
    const [confirmed] = await waitAlerts(receiver, tx, 'transfer.confirmed');
    assert.equal(confirmed.body.data.transfer.block_hash, block.hash);

    // The node switches to another block at the same height and says so only
    // through removed:true logs: no newHeads for the replacement.
    const seen = node.requests.length;
    const old = node.replaceTipSilently([]);
    node.sendRemoved(old);
    const [retracted] = await waitAlerts(receiver, tx, 'transfer.retracted');
    assert.equal(retracted.valid, true);
    assert.equal(retracted.body.data.base_id, confirmed.body.data.base_id);
    assert.equal(retracted.body.data.transfer.status_reason, `reorg: block ${old.hash} at height ${old.number} left the canonical chain`);
    // It re-read the chain by number from the removed block's height.
    assert.ok(node.requests.slice(seen).some((r) => r.method === 'eth_getBlockByNumber' && Number(BigInt(r.params[0])) === old.number));
    await sleep(300);
    assert.equal(receiver.alerts().length, 2);
    failed = false;
  } catch (e) {
    process.stderr.write(`\n===== removed:true scenario FAILED =====\n${daemon.logs()}\n` +
      node.requests.map((r) => `${r.method} ${JSON.stringify(r.params)}`).join('\n') + '\n');
    throw e;
  } finally {
    await daemon.cleanup({ keep: failed });
    await receiver.stop();
    await node.stop();
  }
});

test('scripted node: an eth_getLogs answer larger than max_frame_bytes shrinks the range until it fits', { timeout: 45000 }, async () => {
  const token = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
  const node = await new FakeEvmNode({ chainId: 1337 }).start();
  node.pushBlock([]);
  const secret = newSecret();
  const receiver = await new Receiver({ secrets: [secret], name: 'compliance' }).start();
  // One Transfer log is ~520 bytes as JSON: 1 block per eth_getLogs fits in 1024 bytes, 2 do not.
  const daemon = await Daemon.create({
    sources: [evmSource(node, token, { name: 'anvil', chain_id: 1337, final_depth: 100, getlogs_max_range: 8, max_frame_bytes: 1024 })],
    webhooks: [webhookConfig('compliance', receiver)],
    watchlistCsv: WATCHLIST_CSV,
    env: { FW_IT_SECRET: secret },
  });
  let failed = true;
  try {
    await daemon.start();
    await waitReady(daemon);
    await daemon.stop();
    const txs = [];
    for (let i = 0; i < 6; ++i) {
      const tx = hash32(`backfilled transfer ${i}`);
      txs.push(tx);
      node.pushBlock([FakeEvmNode.transferLog(token, LISTED, RECIPIENT, 100n + BigInt(i), tx)]);
    }
    await daemon.start();
    for (const tx of txs) await waitAlerts(receiver, tx, 'transfer.confirmed', 1, 20000);
    await waitReady(daemon);
    assert.equal(receiver.alerts().length, txs.length);
    assert.match(daemon.logs(), /eth_getLogs answer larger than max_frame_bytes: smaller ranges after the reconnect/);
    const m = await daemon.metrics();
    assert.ok(m.get('freezewatch_frames_rejected_total', { source: 'anvil', reason: 'oversized' }) >= 1);
    failed = false;
  } catch (e) {
    process.stderr.write(`\n===== oversized scenario FAILED =====\n${daemon.logs()}\n`);
    throw e;
  } finally {
    await daemon.cleanup({ keep: failed });
    await receiver.stop();
    await node.stop();
  }
});
