'use strict';
// A real EVM node for the integration tests: anvil from the npm package
// @foundry-rs/anvil (its linux-amd64 ELF ships inside the registry package
// @foundry-rs/anvil-linux-amd64: nothing is downloaded at run time), started
// directly (no npx) so the recorded process is the node, plus a plain
// JSON-RPC client over HTTP (node's fetch) for setting the scene:
// deploy, transfer, mine, reorg.
//
// anvil's dev accounts are unlocked: eth_sendTransaction {from} needs no key.
// Receipts are not available the moment eth_sendTransaction returns:
// waitReceipt() polls.

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { freePort } = require('./daemon');
const { waitFor, sleep } = require('./wait');

const ANVIL_BIN = path.join(__dirname, '..', 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil');

// anvil's default accounts ("test test ... junk" mnemonic), lower case.
const ACCOUNTS = [
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
];

const hex = (n) => '0x' + BigInt(n).toString(16);
const pad32 = (v) => BigInt(v).toString(16).padStart(64, '0');
const padAddress = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');

class Anvil {
  constructor({ chainId = 31337, dir }) {
    this.chainId = chainId;
    this.dir = dir;
    this.proc = null;
    this.port = 0;
    this.nextId = 1;
  }

  static available() {
    return fs.existsSync(ANVIL_BIN);
  }

  get httpUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.port}`;
  }

  async start() {
    this.port = await freePort();
    const log = fs.openSync(path.join(this.dir, 'anvil.log'), 'w');
    this.proc = spawn(ANVIL_BIN, ['--host', '127.0.0.1', '--port', String(this.port), '--chain-id', String(this.chainId)], {
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    await waitFor(async () => (await this.rpc('eth_chainId')) === hex(this.chainId), {
      timeout: 10000, interval: 50, what: 'anvil answering eth_chainId',
    });
    return this;
  }

  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    proc.kill('SIGTERM');
    await Promise.race([this.exited, sleep(3000, undefined, { ref: false })]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }

  logs() {
    const f = path.join(this.dir, 'anvil.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  }

  async rpc(method, params = []) {
    const res = await fetch(this.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
    });
    const body = await res.json();
    if (body.error) throw new Error(`${method}: ${body.error.code} ${body.error.message}`);
    return body.result;
  }

  async blockNumber() {
    return Number(BigInt(await this.rpc('eth_blockNumber')));
  }

  async block(number) {
    return this.rpc('eth_getBlockByNumber', [hex(number), false]);
  }

  async waitReceipt(hash) {
    return waitFor(() => this.rpc('eth_getTransactionReceipt', [hash]), { timeout: 10000, interval: 20, what: `receipt of ${hash}` });
  }

  // Sends and waits for the receipt (automine: one block per transaction).
  async send(tx) {
    const hash = await this.rpc('eth_sendTransaction', [tx]);
    const receipt = await this.waitReceipt(hash);
    if (receipt.status !== '0x1') throw new Error(`transaction ${hash} failed`);
    return { hash, receipt, block: Number(BigInt(receipt.blockNumber)), blockHash: receipt.blockHash };
  }

  async deploy(from, bytecode, ctorArgsHex = '') {
    const r = await this.send({ from, data: '0x' + bytecode + ctorArgsHex, gas: hex(3000000) });
    return { ...r, address: r.receipt.contractAddress.toLowerCase() };
  }

  // Calls `selector(address to, uint256 value)` on `token` from `from`.
  async tokenCall(token, selector, from, to, value) {
    return this.send({ from, to: token, data: selector + padAddress(to) + pad32(value), gas: hex(200000) });
  }

  async mine(blocks) {
    await this.rpc('anvil_mine', [hex(blocks)]);
  }

  // Replaces the newest `depth` blocks by new ones (with `txs` in them): a real reorg.
  async reorg(depth, txs = []) {
    await this.rpc('anvil_reorg', [depth, txs]);
  }
}

module.exports = { Anvil, ANVIL_BIN, ACCOUNTS, hex, pad32, padAddress };
