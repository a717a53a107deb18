'use strict';
// A scripted exchange deposit feed: a websocket server on 127.0.0.1 (port 0
// unless given) that freezewatch's deposits_ws source connects to.
//
// It records every connection (upgrade URL and headers, the messages the
// client sent, e.g. the subscribe message, and how it ended) and sends to the
// current client on command: events, garbage, binary and oversized frames.
// It can drop the connection abruptly (TCP reset, no close frame), go silent
// (simply send nothing), stop reading altogether (a half-open peer: pings go
// unanswered), and be stopped and restarted on the same port.
//
// Every event sent with send() is kept in `sent` (in order), so a test can
// model an exchange that replays the last events after a reconnect.

const { WebSocketServer } = require('ws');
const http = require('node:http');
const { once } = require('node:events');
const { waitFor } = require('./wait');

class Feed {
  constructor() {
    this.connections = []; // {ws, url, headers, messages[], openedAt, closed, closeCode}
    this.sent = [];        // events (objects) sent with send(), in order
    this.port = 0;
    this.wss = null;
  }

  async start(port = this.port) {
    // maxPayload bounds what the *client* may send us; frames we send are not limited.
    // Our own http server, so stop() can also cut connections still in the upgrade.
    this.http = http.createServer((req, res) => res.writeHead(426).end());
    this.wss = new WebSocketServer({ server: this.http, maxPayload: 1 << 20 });
    this.wss.on('connection', (ws, req) => {
      const conn = { ws, url: req.url, headers: req.headers, messages: [], openedAt: Date.now(), closed: false, closeCode: null };
      this.connections.push(conn);
      ws.on('message', (data, isBinary) => conn.messages.push(isBinary ? data : data.toString('utf8')));
      ws.on('close', (code) => { conn.closed = true; conn.closeCode = code; });
      ws.on('error', () => {}); // a reset by the client is part of the game
    });
    this.http.listen(port, '127.0.0.1');
    await once(this.http, 'listening');
    this.port = this.http.address().port;
    return this;
  }

  get url() {
    return `ws://127.0.0.1:${this.port}/v1/deposits`;
  }

  // The newest connection that is still open, or null.
  current() {
    for (let i = this.connections.length - 1; i >= 0; --i) {
      const c = this.connections[i];
      if (!c.closed && c.ws.readyState === c.ws.OPEN) return c;
    }
    return null;
  }

  openConnections() {
    return this.connections.filter((c) => !c.closed && c.ws.readyState === c.ws.OPEN);
  }

  // Sends one deposit event (object -> JSON text frame) to the current
  // client and logs it in `sent`. Resolves once the frame is written to the socket.
  async send(event) {
    await this.sendRaw(JSON.stringify(event));
    this.sent.push(event);
  }

  async sendAll(events) {
    for (const e of events) await this.send(e);
  }

  // Sends any text (or, with {binary: true}, binary) frame, unlogged.
  async sendRaw(data, { binary = false } = {}) {
    const c = this.current();
    if (!c) throw new Error('feed: no client connected');
    await new Promise((resolve, reject) => c.ws.send(data, { binary }, (err) => (err ? reject(err) : resolve())));
  }

  // Drops the current connection abruptly: no close frame, the socket is destroyed.
  drop() {
    const c = this.current();
    if (!c) throw new Error('feed: no client connected to drop');
    c.ws.terminate();
    return c;
  }

  // Stops reading from the current client: its pings are never answered, as
  // with a peer that vanished without a FIN (half-open connection).
  stopReading() {
    const c = this.current();
    if (!c) throw new Error('feed: no client connected');
    c.ws.pause();
    return c;
  }

  async waitForConnections(n, timeout = 10000) {
    await waitFor(() => this.connections.length >= n && this.connections[n - 1].ws.readyState === 1, {
      timeout,
      what: `feed connection #${n} (have ${this.connections.length})`,
    });
    return this.connections[n - 1];
  }

  // Waits until connection #n (1-based) has sent at least `count` messages.
  async waitForMessages(n, count = 1, timeout = 5000) {
    const conn = await this.waitForConnections(n, timeout);
    await waitFor(() => conn.messages.length >= count, { timeout, what: `${count} message(s) from feed client #${n}` });
    return conn.messages;
  }

  // Closes every client and stops listening (the port is free afterwards).
  async stop() {
    if (!this.wss) return;
    for (const c of this.connections) if (!c.closed) c.ws.terminate();
    const wss = this.wss;
    const server = this.http;
    this.wss = null;
    this.http = null;
    await new Promise((resolve) => wss.close(() => resolve()));
    const closed = new Promise((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

module.exports = { Feed };
