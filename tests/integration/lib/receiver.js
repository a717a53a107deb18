'use strict';
// A webhook receiver: a node http server on 127.0.0.1 (port 0 unless given)
// standing in for the compliance team's endpoint.
//
// Every request is verified with the standardwebhooks npm package
// (`new Webhook(secret).verify(rawBody, headers)`), once per configured
// secret, and recorded: {id, timestamp, signature, type, raw, body, valid,
// validBy[], error, method, path, headers, at, answer}. `valid` means the
// first (current) secret verifies it.
//
// Answers are scripted per request: script(...) queues behaviours that the
// next alert requests consume in order; when the queue is empty the default
// applies. A behaviour is a status number (200, 500, 400, ...),
// {status, retryAfter, body} or 'hang' (read the request, never answer).
// Heartbeats (type freezewatch.heartbeat) always get 200 and do not consume
// the script, so a heartbeat cannot steal a scripted 500 from an alert.
// stop() closes the port (connections refused, as with a receiver that is
// down); start() again on the same port brings it back.

const http = require('node:http');
const { once } = require('node:events');
const { Webhook } = require('standardwebhooks');
const { waitFor } = require('./wait');

const HEARTBEAT_TYPE = 'freezewatch.heartbeat';

class Receiver {
  constructor({ secrets, name = 'receiver' }) {
    if (!secrets || secrets.length === 0) throw new Error('receiver needs at least one secret');
    this.name = name;
    this.secrets = secrets;
    this.verifiers = secrets.map((s) => new Webhook(s));
    this.requests = [];
    this.queue = [];
    this.defaultBehaviour = 200;
    this.port = 0;
    this.server = null;
    this.hanging = new Set();
  }

  async start(port = this.port) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30000;
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = this.server.address().port;
    return this;
  }

  url(path = '/hooks/freezewatch') {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  script(...behaviours) {
    this.queue.push(...behaviours);
  }

  setDefault(behaviour) {
    this.defaultBehaviour = behaviour;
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const rec = {
        id: req.headers['webhook-id'],
        timestamp: req.headers['webhook-timestamp'],
        signature: req.headers['webhook-signature'],
        method: req.method,
        path: req.url,
        headers: req.headers,
        raw: raw.toString('utf8'),
        body: null,
        type: null,
        valid: false,
        validBy: [],
        error: null,
        at: Date.now(),
        answer: null,
      };
      try {
        rec.body = JSON.parse(rec.raw);
        rec.type = rec.body && rec.body.type;
      } catch (e) {
        rec.error = `body is not JSON: ${e.message}`;
      }
      for (const v of this.verifiers) {
        try {
          v.verify(raw, req.headers);
          rec.validBy.push(true);
        } catch (e) {
          rec.validBy.push(false);
          rec.error = rec.error || `signature: ${e.message}`;
        }
      }
      rec.valid = rec.validBy[0] === true;
      this.requests.push(rec);

      let b = rec.type === HEARTBEAT_TYPE ? 200 : this.queue.length > 0 ? this.queue.shift() : this.defaultBehaviour;
      if (b === 'hang') {
        rec.answer = 'hang';
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      if (typeof b === 'number') b = { status: b };
      rec.answer = b.status;
      const headers = { 'Content-Type': 'text/plain' };
      if (b.retryAfter !== undefined) headers['Retry-After'] = String(b.retryAfter);
      res.writeHead(b.status, headers);
      res.end(b.body !== undefined ? b.body : `${b.status}\n`);
    });
  }

  // Alert requests (heartbeats excluded), in arrival order.
  alerts() {
    return this.requests.filter((r) => r.type !== HEARTBEAT_TYPE);
  }

  heartbeats() {
    return this.requests.filter((r) => r.type === HEARTBEAT_TYPE);
  }

  attemptsFor(id) {
    return this.requests.filter((r) => r.id === id);
  }

  // Alert requests answered 2xx.
  delivered() {
    return this.alerts().filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300);
  }

  deliveredIds() {
    return new Set(this.delivered().map((r) => r.id));
  }

  // Waits until `n` distinct alert ids were answered 2xx; returns those requests.
  async waitForDelivered(n, timeout = 10000) {
    await waitFor(() => this.deliveredIds().size >= n, {
      timeout,
      what: `${n} delivered alert(s) at ${this.name} (have ${this.deliveredIds().size}; ${this.requests.length} requests)`,
    });
    return this.delivered();
  }

  async waitForRequests(pred, n = 1, timeout = 10000, what = 'requests') {
    await waitFor(() => this.requests.filter(pred).length >= n, { timeout, what: `${n} ${what} at ${this.name}` });
    return this.requests.filter(pred);
  }

  // Stops listening and drops every connection, hanging requests included.
  async stop() {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const closed = new Promise((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

module.exports = { Receiver, HEARTBEAT_TYPE };
