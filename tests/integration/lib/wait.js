'use strict';
// Polling waits with a deadline, for conditions that other processes make
// true (a metric moving, a request arriving). Every failure says what was
// awaited and the last value seen, so a timeout reads as a diagnosis.

const { setTimeout: sleep } = require('node:timers/promises');

// Resolves with the first truthy value of `probe()` (sync or async), polled
// every `interval` ms; rejects after `timeout` ms with `what` and the last
// value (or error) the probe produced.
async function waitFor(probe, { timeout = 10000, interval = 25, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (last) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const seen = lastError ? `error: ${lastError.message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (${seen})`);
    }
    await sleep(interval);
  }
}

module.exports = { waitFor, sleep };
