/**
 * An open-loop load at an even pace, run in its own process by bench/predict/latency.ts: loadtest's
 * rate mode sends one request every 1000 / rate ms from a single timer, whether or not earlier
 * responses have come back (a new keep-alive client joins when all are busy), so a slow response
 * never delays the next send. Prints loadtest's result, plus every request's latency, as JSON.
 *
 * Usage: node paced-load.mjs '{"url": ..., "rate": ..., "seconds": ..., "headers": {...}, "body": {...}}'
 */
import process from 'node:process';

import { loadTest } from 'loadtest';

const { url, rate, seconds, headers, body } = JSON.parse(process.argv[2]);
const latencies = [];
const result = await loadTest({
  url,
  method: 'POST',
  contentType: 'application/json',
  headers,
  body,
  requestsPerSecond: rate,
  maxSeconds: seconds,
  agentKeepAlive: true,
  quiet: true,
  statusCallback: (error, request) => {
    if (!error && request) latencies.push(request.requestElapsed);
  },
});
process.stdout.write(JSON.stringify({ result, latencies }));
