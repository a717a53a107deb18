'use strict';
// A remote watchlist server: a node http server on 127.0.0.1 serving one
// list body at any path, with a strong ETag (the body's SHA-256) and
// Last-Modified. A GET whose If-None-Match names the current ETag gets 304.
// The answer can be scripted: 'ok' (default), or a status (500, 503, ...)
// for every request until set back. Every request is recorded:
// {at, method, path, headers, status}.

const http = require('node:http');
const crypto = require('node:crypto');
const { once } = require('node:events');

class ListServer {
  constructor(body = '') {
    this.requests = [];
    this.mode = 'ok';
    this.set(body);
  }

  // A new list body: a new ETag and Last-Modified.
  set(body) {
    this.body = Buffer.from(body);
    this.etag = '"' + crypto.createHash('sha256').update(this.body).digest('hex').slice(0, 32) + '"';
    this.lastModified = new Date(Math.floor(Date.now() / 1000) * 1000).toUTCString();
  }

  // 'ok' or a status number to answer every request with.
  answer(mode) {
    this.mode = mode;
  }

  async start() {
    this.server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const rec = { at: Date.now(), method: req.method, path: req.url, headers: req.headers, status: 0 };
        this.requests.push(rec);
        if (this.mode !== 'ok') {
          rec.status = this.mode;
          res.writeHead(this.mode, { 'Content-Type': 'text/plain' });
          res.end('scripted failure\n');
          return;
        }
        const inm = req.headers['if-none-match'];
        if (inm && inm.split(',').map((s) => s.trim()).includes(this.etag)) {
          rec.status = 304;
          res.writeHead(304, { ETag: this.etag, 'Last-Modified': this.lastModified });
          res.end();
          return;
        }
        rec.status = 200;
        res.writeHead(200, {
          'Content-Type': 'text/csv',
          'Content-Length': this.body.length,
          ETag: this.etag,
          'Last-Modified': this.lastModified,
        });
        res.end(this.body);
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = this.server.address().port;
    return this;
  }

  url(p = '/lists/incident.csv') {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  count(status) {
    return this.requests.filter((r) => r.status === status).length;
  }

  async stop() {
    if (!this.server) return;
    const s = this.server;
    this.server = null;
    const closed = new Promise((r) => s.close(() => r()));
    s.closeAllConnections();
    await closed;
  }
}

module.exports = { ListServer };
