'use strict';
// Runs the real freezewatch binary ($FREEZEWATCH_BIN, else build/daemon/app/freezewatch
// of this checkout) the way an operator would: a config file in a temp dir
// (JSON, which is YAML), storage in that dir, the admin listener on a free
// port, secrets from the environment. Spawned directly (no shell, no npx);
// stdout and stderr go to files in the temp dir and are printed by dump()
// when a test fails.
//
// Helpers: wait for /healthz, GET admin paths, parse /metrics, stop with
// SIGTERM or SIGKILL, restart on the same storage, run CLI commands
// (dlq list / retry, lookup) against the same config.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const http = require('node:http');
const crypto = require('node:crypto');
const { spawn, execFile } = require('node:child_process');
const { once } = require('node:events');
const { waitFor, sleep } = require('./wait');

const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = process.env.FREEZEWATCH_BIN || path.join(REPO, 'build', 'daemon', 'app', 'freezewatch');

function newSecret() {
  return 'whsec_' + crypto.randomBytes(32).toString('base64');
}

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

// Prometheus text format -> [{name, labels, value}] (comments skipped).
function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l;
      while ((l = re.exec(m[3])) !== null) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

class Metrics {
  constructor(text) {
    this.text = text;
    this.samples = parseMetrics(text);
  }
  // The value of the one sample with this name whose labels include `labels`;
  // undefined when there is none. Throws when several match.
  get(name, labels = {}) {
    const found = this.find(name, labels);
    if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} series match`);
    return found.length ? found[0].value : undefined;
  }
  find(name, labels = {}) {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }
  // Sum over every series of `name` matching `labels`.
  sum(name, labels = {}) {
    return this.find(name, labels).reduce((a, s) => a + s.value, 0);
  }
  names() {
    return new Set(this.samples.map((s) => s.name));
  }
}

class Daemon {
  // Use Daemon.create(). `config` is the config object written to disk.
  constructor({ dir, config, env }) {
    this.dir = dir;
    this.config = config;
    this.env = env;
    this.configPath = path.join(dir, 'freezewatch.yaml');
    this.proc = null;
    this.runs = 0;
    this.exit = null;
  }

  // A temp dir with watchlist.csv and freezewatch.yaml. `sources` and `webhooks`
  // are config entries (plain objects, see harness.js); configure(cfg) may edit the rest.
  static async create({ sources = [], webhooks = [], watchlistCsv, env = {}, log = 'debug', configure }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-it-'));
    fs.writeFileSync(path.join(dir, 'watchlist.csv'), watchlistCsv);
    const config = {
      log: { level: log, format: 'logfmt' },
      storage: { dir: 'state' }, // relative: resolves against the config file's folder
      admin: { enabled: true, listen_address: '127.0.0.1', port: await freePort() },
      // Twins off: the tests count entries and alerts per listed address.
      watchlists: { watch_files: false, twins: { evm_tron: false }, files: [{ name: 'it', path: 'watchlist.csv', strict: true }] },
      sources,
      webhooks,
    };
    if (configure) configure(config);
    const d = new Daemon({ dir, config, env });
    d.writeConfig();
    return d;
  }

  writeConfig() {
    fs.writeFileSync(this.configPath, JSON.stringify(this.config, null, 2) + '\n');
  }

  get adminPort() {
    return this.config.admin.port;
  }

  processEnv() {
    const e = { ...process.env, ...this.env };
    delete e.FREEZEWATCH_CONFIG;
    return e;
  }

  // Spawns `freezewatch run` and waits until /healthz answers 200.
  async start({ timeout = 15000 } = {}) {
    if (this.proc) throw new Error('daemon already running');
    this.runs += 1;
    const out = fs.openSync(path.join(this.dir, `stdout.${this.runs}.log`), 'w');
    const err = fs.openSync(path.join(this.dir, `stderr.${this.runs}.log`), 'w');
    const proc = spawn(BIN, ['run', '--config', this.configPath], {
      env: this.processEnv(),
      stdio: ['ignore', out, err],
    });
    fs.closeSync(out);
    fs.closeSync(err);
    this.proc = proc;
    this.exit = null;
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        if (this.proc === proc) this.proc = null;
        resolve(this.exit);
      });
      proc.on('error', (e) => {
        this.exit = { code: null, signal: null, error: e.message };
        if (this.proc === proc) this.proc = null;
        resolve(this.exit);
      });
    });
    // Polls /healthz; stops polling as soon as the process is gone.
    await waitFor(async () => this.exit || (await this.get('/healthz')).status === 200, {
      timeout, interval: 50, what: 'freezewatch /healthz',
    });
    if (this.exit) throw new Error(`freezewatch exited during start-up: ${JSON.stringify(this.exit)} (logs: ${this.dir})`);
    return this;
  }

  get running() {
    return this.proc !== null;
  }

  // Graceful stop (SIGTERM); SIGKILL after `timeout`. Resolves with {code, signal}.
  async stop({ timeout = 15000 } = {}) {
    if (!this.proc) return this.exit;
    const proc = this.proc;
    proc.kill('SIGTERM');
    const result = await Promise.race([this.exited, sleep(timeout, null, { ref: false })]);
    if (result) return result;
    proc.kill('SIGKILL');
    await this.exited;
    throw new Error(`freezewatch did not stop within ${timeout} ms of SIGTERM`);
  }

  // kill -9: no chance to flush or say goodbye.
  async kill9() {
    if (!this.proc) throw new Error('daemon not running');
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  // GET (or another method) on the admin listener: {status, headers, body}.
  request(pathname, method = 'GET') {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.adminPort, path: pathname, method, agent: false, timeout: 5000 },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`admin ${method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  get(pathname) {
    return this.request(pathname, 'GET');
  }

  async metrics() {
    const r = await this.get('/metrics');
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
    return new Metrics(r.body);
  }

  // Polls /metrics until `pred(metrics)` is truthy; returns the Metrics.
  async waitForMetrics(pred, what, timeout = 10000) {
    let last;
    await waitFor(
      async () => {
        last = await this.metrics();
        return pred(last);
      },
      { timeout, interval: 50, what },
    );
    return last;
  }

  // Runs `freezewatch <args...> --config <this config>`: {code, stdout, stderr}.
  cli(...args) {
    return new Promise((resolve) => {
      execFile(BIN, [...args, '--config', this.configPath], { env: this.processEnv(), timeout: 30000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
  }

  logs() {
    let text = '';
    for (let i = 1; i <= this.runs; ++i) {
      for (const stream of ['stdout', 'stderr']) {
        const f = path.join(this.dir, `${stream}.${i}.log`);
        if (fs.existsSync(f)) text += `----- freezewatch run #${i} ${stream} (${f}) -----\n${fs.readFileSync(f, 'utf8')}\n`;
      }
    }
    return text;
  }

  async cleanup({ keep = false } = {}) {
    if (this.proc) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
    if (!keep && !process.env.FW_IT_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Daemon, Metrics, parseMetrics, newSecret, freePort, BIN, REPO };
