'use strict';
// A client for the daemon's watchlist API (docs/watchlist-api.md) on the
// admin listener, and the `freezewatch watchlist ...` CLI run against the
// same daemon with the token in $FREEZEWATCH_ADMIN_TOKEN.
//
// withAdminTokens(daemon) adds two tokens to a scenario's config before its
// first start: `alice` from the config's token list (the secret from the
// environment, ${FW_IT_ADMIN_TOKEN}) and `bob` from a tokens file in the
// temp dir, as an operator would set them up.

const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const crypto = require('node:crypto');
const { execFile } = require('node:child_process');
const { BIN } = require('./daemon');
const { c32address } = require('./stacks_fixture');

const API = '/api/v1/watchlist';

function newToken() {
  return crypto.randomBytes(24).toString('hex');
}

// Edits the (not yet started) daemon's config: tokens, a small body limit.
// Returns {alice, bob}: the two tokens.
function withAdminTokens(daemon, { maxBodyBytes = 4096 } = {}) {
  const alice = newToken();
  const bob = newToken();
  fs.writeFileSync(path.join(daemon.dir, 'admin-tokens'), `# name token\nbob ${bob}\n`, { mode: 0o600 });
  daemon.env.FW_IT_ADMIN_TOKEN = alice;
  Object.assign(daemon.config.admin, {
    tokens: [{ name: 'alice', token: '${FW_IT_ADMIN_TOKEN}' }],
    tokens_file: 'admin-tokens',
    max_body_bytes: maxBodyBytes,
  });
  daemon.writeConfig();
  return { alice, bob };
}

class AdminApi {
  constructor(daemon, token) {
    this.daemon = daemon;
    this.token = token;
  }

  // One request. body: undefined | string | Buffer | JSON value.
  // opts.token: another token (null = no Authorization header).
  // Resolves {status, headers, body, json (null if not JSON), ms (round trip)}.
  request(method, pathname, body, { token = this.token, headers = {}, timeout = 10000 } = {}) {
    const data = body === undefined ? null : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const h = { ...headers };
    if (token !== null) h.Authorization = `Bearer ${token}`;
    if (data !== null) {
      h['Content-Type'] = h['Content-Type'] || 'application/json';
      h['Content-Length'] = Buffer.byteLength(data);
    }
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.daemon.adminPort, path: pathname, method, headers: h, agent: false, timeout },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json = null;
            try {
              json = JSON.parse(text);
            } catch {
              json = null;
            }
            resolve({
              status: res.statusCode, headers: res.headers, body: text, json,
              ms: Number(process.hrtime.bigint() - started) / 1e6,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end(data === null ? undefined : data);
    });
  }

  add(entries, opts) {
    return this.request('POST', `${API}/entries`, { entries }, opts);
  }

  get(address, opts) {
    return this.request('GET', `${API}/entries/${encodeURIComponent(address)}`, undefined, opts);
  }

  remove(address, { incident, ...opts } = {}) {
    const q = incident === undefined ? '' : `?incident=${encodeURIComponent(incident)}`;
    return this.request('DELETE', `${API}/entries/${encodeURIComponent(address)}${q}`, undefined, opts);
  }

  list(query = {}, opts) {
    const q = new URLSearchParams(query).toString();
    return this.request('GET', `${API}/entries${q ? '?' + q : ''}`, undefined, opts);
  }

  audit(query = {}, opts) {
    const q = new URLSearchParams(query).toString();
    return this.request('GET', `${API}/audit${q ? '?' + q : ''}`, undefined, opts);
  }

  approve(address, opts) {
    return this.request('POST', `${API}/derived/${encodeURIComponent(address)}/approve`, undefined, opts);
  }

  dismiss(address, opts) {
    return this.request('DELETE', `${API}/derived/${encodeURIComponent(address)}`, undefined, opts);
  }

  // Every entry of a listing (follows `next`).
  async listAll(query = {}) {
    const out = [];
    let after;
    for (;;) {
      const r = await this.list(after === undefined ? query : { ...query, after });
      if (r.status !== 200) throw new Error(`list ${JSON.stringify(query)}: ${r.status} ${r.body}`);
      out.push(...r.json.entries);
      if (r.json.next === null || r.json.next === undefined) return out;
      after = r.json.next;
    }
  }

  // `freezewatch watchlist <args...> --config <cfg>` with the token in the
  // environment (never on the command line). Resolves {code, stdout, stderr}.
  cli(args, { token = this.token, env = {} } = {}) {
    const e = { ...process.env, ...this.daemon.env, ...env };
    delete e.FREEZEWATCH_CONFIG;
    if (token === null) delete e.FREEZEWATCH_ADMIN_TOKEN;
    else e.FREEZEWATCH_ADMIN_TOKEN = token;
    return new Promise((resolve) => {
      execFile(BIN, ['watchlist', ...args, '--config', this.daemon.configPath], { env: e, timeout: 30000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
  }
}

// A valid Stacks address (c32check) made from a label: mainnet SP... by
// default, testnet ST... with {testnet: true}. Same label => same address.
function stacksAddress(label, { testnet = false } = {}) {
  const hash160 = crypto.createHash('sha256').update(`fw-it-address:${label}`).digest().subarray(0, 20);
  return c32address(testnet ? 26 : 22, hash160);
}

// Starts a scenario built with autostart: false and waits for its feed's
// subscription (when it has a feed).
// Also for a restart: waits for the connection after those already made.
async function startScenario(h) {
  const n = h.feed ? h.feed.connections.length + 1 : 0;
  await h.daemon.start();
  if (h.feed) await h.feed.waitForMessages(n, 1);
  return h;
}

module.exports = { AdminApi, withAdminTokens, newToken, stacksAddress, startScenario, API };
