/**
 * Latency of `POST /models/:name/predict` on loopback: single-row requests at a fixed 200 req/s for
 * 30 s after a warm-up, the load generator in a separate process, against the API as in
 * production (`createApp`, PostgreSQL registry, API key auth with its key cache, alias cache, rate
 * limit, audit hook, metrics; default settings). The served bundle has the default student's shape
 * (4096 character-n-gram buckets, a 3000-term vocabulary, 64 hidden units) with seeded weights:
 * prediction cost depends on the shape, not on the weights' values.
 * Beside the end-to-end figures, it records the server-side time of each request of the paced run (from
 * the HTTP server's `request` event to the response's `finish`) and the server's event-loop delay, so
 * that the time spent in Distillery is told apart from the client's and the operating system's.
 *
 * Two load generators run, one after the other:
 * - loadtest's rate mode (paced-load.mjs): one request every 5 ms from a single timer, open loop (a
 *   slow response never delays the next send), which is the load the target describes. The target is
 *   judged on this run.
 * - autocannon's rate mode, for comparison: it gives each of 10 connections a budget of requests per
 *   second, sent back to back (one in flight per connection) until it is spent, so every second starts
 *   with a burst of 10 concurrent requests. Its coordinated-omission correction assumes a 1 ms send
 *   interval and adds phantom samples to every response slower than that, although no send slot is
 *   missed when the whole budget is sent; it runs with and without that correction.
 * Writes bench/results/predict-latency.{json,md}. A benchmark, not a test. Target: p99 < 10 ms.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { promisify } from 'node:util';

import type autocannon from 'autocannon';

import { RegistryService } from '../../api/registry/registry.service';
import { createApp } from '../../api/setup';
import { LocalArtifactStore } from '../../artifacts/store';
import type { StudentBundle } from '../../core/bundle';
import type { StudentFeatureSpec } from '../../core/ml/student/features';
import { serializeStudent, studentShape } from '../../core/ml/student/model';
import { initialWeights } from '../../core/ml/train-mlp';
import { setAlias } from '../../registry/aliases';
import { registerModelVersion } from '../../registry/register';
import { createTestDatabase } from '../../test/support/postgres';

const execFileAsync = promisify(execFile);
const PACED_LOAD = resolve(__dirname, 'paced-load.mjs');
const RESULTS = resolve(__dirname, '..', 'results');
const KEY = 'bench-admin-key-0123456789';
const RATE = 200;
const DURATION_S = 30;
const CONNECTIONS = 10;
const RECORD = { text: 'WINNER!! As a valued network customer you have been selected to receive a £900 prize reward!' };

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'distillery-bench-predict-'));
  const database = await createTestDatabase('distillery_bench_predict');
  Object.assign(process.env, {
    DISTILLERY_HOME: home,
    DATABASE_URL: database.url,
    DISTILLERY_ADMIN_KEY: KEY,
    DISTILLERY_RATE_LIMIT_PER_MINUTE: String(RATE * 120),
  });
  const app = await createApp({ logger: false });
  try {
    await serveBundle(app.get(RegistryService), home);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${await app.getUrl()}/models/bench-sms/predict`;
    await load(url, 5, 50, false);
    const server = serverSide(app.getHttpAdapter().getInstance().server);
    const paced = await pacedLoad(url, DURATION_S, RATE);
    const serverFigures = server.stop();
    const corrected = await load(url, DURATION_S, RATE, true);
    const result = await load(url, DURATION_S, RATE, false);
    await report({ paced, autocannon: result, corrected, server: serverFigures });
  } finally {
    await app.close();
    await database.drop();
    await rm(home, { recursive: true, force: true });
  }
}

/** Stores a default-shaped bundle, registers it as bench-sms v1 and points production at it. */
async function serveBundle(registryService: RegistryService, home: string): Promise<void> {
  const spec: StudentFeatureSpec = {
    vocabulary: Array.from({ length: 3000 }, (_, i) => `term${i}`),
    ngramMax: 2,
    charBuckets: 4096,
    tabular: [],
  };
  const bundle: StudentBundle = {
    format: 'distillery-student-bundle/1',
    decision: { temperature: 1.3, threshold: 0.42 },
    transform: {
      label: 'label',
      text: 'text',
      labels: ['ham', 'spam'],
      fitted: { version: 1, numeric: [], categorical: [] },
    },
    student: serializeStudent({
      spec,
      classes: ['ham', 'spam'],
      hidden: 64,
      weights: initialWeights(studentShape(spec, 64, 2), 7),
    }),
  };
  const student = await new LocalArtifactStore(join(home, 'artifacts')).putJson('student', bundle);
  const registry = await registryService.get();
  const at = new Date().toISOString();
  const dataset = { ...student, kind: 'dataset' as const };
  await registerModelVersion(registry, {
    modelName: 'bench-sms',
    run: {
      workflowId: 'bench',
      temporalRunId: 'bench-1',
      configHash: 'bench',
      config: {},
      datasetUri: dataset.uri,
      datasetSha256: dataset.sha256,
      codeVersion: 'bench',
      triggeredBy: 'bench',
      startedAt: at,
    },
    steps: [],
    metrics: {},
    gate: { passed: true },
    student,
    teacher: { name: 'bench', version: '0', sha256: student.sha256 },
    features: {},
  });
  await setAlias(registry, 'bench-sms', 'production', 1, 'bench');
}

/** Server-side percentiles (ms) of the requests handled, and of the event loop's delay. */
interface ServerSide {
  handledMs: { p50: number; p99: number; max: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

/** Starts recording each request's time inside the server and the event-loop delay; `stop` summarises. */
function serverSide(server: Server): { stop(): ServerSide } {
  const handled: number[] = [];
  const onRequest = (_request: IncomingMessage, response: ServerResponse) => {
    const start = process.hrtime.bigint();
    response.once('finish', () => handled.push(Number(process.hrtime.bigint() - start) / 1e6));
  };
  server.prependListener('request', onRequest);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  return {
    stop: () => {
      server.off('request', onRequest);
      delay.disable();
      return { handledMs: percentiles(handled), eventLoopDelayMs: histogramPercentiles(delay) };
    },
  };
}

function percentiles(values: number[]): ServerSide['handledMs'] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.floor(q * (sorted.length - 1))] ?? 0).toFixed(2));
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

function histogramPercentiles(histogram: IntervalHistogram): ServerSide['eventLoopDelayMs'] {
  const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}

/**
 * One autocannon run in its own process, so that the load generator does not share the server's
 * event loop (in-process, its own work would be counted as server latency).
 */
async function load(
  url: string,
  duration: number,
  overallRate: number,
  correctOmission: boolean,
): Promise<autocannon.Result> {
  const args = [
    require.resolve('autocannon/autocannon.js'),
    ...(correctOmission ? [] : ['--ignoreCoordinatedOmission']),
    ...['-c', String(CONNECTIONS), '-R', String(overallRate), '-d', String(duration), '-m', 'POST', '-j'],
    ...['-H', 'content-type=application/json', '-H', `x-api-key=${KEY}`, '-b', JSON.stringify({ records: [RECORD] })],
    url,
  ];
  const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as autocannon.Result;
}

/** What paced-load.mjs prints: loadtest's summary and every request's latency in whole milliseconds. */
interface PacedResult {
  result: { totalRequests: number; totalErrors: number; rps: number; errorCodes: Record<string, number> };
  latencies: number[];
}

/** One open-loop run at an even pace (loadtest, see paced-load.mjs), in its own process. */
async function pacedLoad(url: string, seconds: number, rate: number): Promise<PacedResult> {
  const options = { url, rate, seconds, headers: { 'x-api-key': KEY }, body: { records: [RECORD] } };
  const { stdout } = await execFileAsync(process.execPath, [PACED_LOAD, JSON.stringify(options)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as PacedResult;
}

/** End-to-end percentiles in milliseconds, in one shape for both load generators. */
interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  requests: number;
  failed: number;
}

function autocannonLatency(result: autocannon.Result): Latency {
  const { p50, p90, p99, max, mean } = result.latency;
  const failed = result.non2xx + result.errors;
  return { p50, p90, p99, max, mean: Number(mean.toFixed(3)), requests: result.requests.total, failed };
}

/** Nearest-rank percentiles of loadtest's per-request latencies (whole milliseconds, as it measures them). */
function pacedLatency({ result, latencies }: PacedResult): Latency {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  const figures = { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: Number(mean.toFixed(3)) };
  return { ...figures, requests: result.totalRequests, failed: result.totalErrors };
}

interface Runs {
  paced: PacedResult;
  autocannon: autocannon.Result;
  corrected: autocannon.Result;
  server: ServerSide;
}

async function report(runs: Runs): Promise<void> {
  const paced = pacedLatency(runs.paced);
  const budgetSent = paced.requests >= 0.99 * RATE * DURATION_S;
  const figures = {
    date: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    },
    setup: { rateRps: RATE, durationS: DURATION_S, recordsPerRequest: 1, registry: 'postgres' },
    latencyMs: paced,
    autocannon: {
      connections: CONNECTIONS,
      latencyMs: autocannonLatency(runs.autocannon),
      latencyMsWithAutocannonCorrection: autocannonLatency(runs.corrected),
    },
    budgetSent,
    server: runs.server,
    targetP99Ms: 10,
    meetsTarget: budgetSent && paced.p99 < 10 && paced.failed === 0,
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(join(RESULTS, 'predict-latency.json'), JSON.stringify(figures, null, 2) + '\n');
  const { server } = runs;
  const md = [
    '# /predict latency on loopback',
    '',
    `Single-row \`POST /models/:name/predict\` at ${RATE} req/s for ${DURATION_S} s, API key auth and PostgreSQL`,
    `registry; ${figures.machine.cpus} CPUs (${figures.machine.model}), Node ${process.version}, 1-minute load`,
    `average ${figures.machine.loadAverage1m}, measured ${figures.date}.`,
    '',
    '| load | p50 | p90 | p99 | max | mean | requests | failed |',
    '|---|---|---|---|---|---|---|---|',
    latencyRow('paced, open loop: one request every 5 ms (loadtest)', paced),
    latencyRow(`autocannon, ${CONNECTIONS} connections, bursts each second`, figures.autocannon.latencyMs),
    latencyRow(
      "the same with autocannon's 1 ms omission correction",
      figures.autocannon.latencyMsWithAutocannonCorrection,
    ),
    '',
    `Whole paced budget sent (${RATE * DURATION_S} requests): ${budgetSent ? 'yes' : 'no'}.`,
    'loadtest measures each request in whole milliseconds, rounded down (so p99 < 10 ms reads as at most 9);',
    'autocannon also reports whole milliseconds.',
    '',
    'Inside the server during the paced run (HTTP `request` event to response `finish`): ' +
      `p50 ${server.handledMs.p50} ms, ` +
      `p99 ${server.handledMs.p99} ms, max ${server.handledMs.max} ms. Event-loop delay (1 ms resolution): ` +
      `p50 ${server.eventLoopDelayMs.p50} ms, p99 ${server.eventLoopDelayMs.p99} ms, ` +
      `max ${server.eventLoopDelayMs.max} ms.`,
    '',
    `Target p99 < 10 ms (paced run): ${figures.meetsTarget ? 'met' : 'not met'}.`,
    '',
  ].join('\n');
  await writeFile(join(RESULTS, 'predict-latency.md'), md);
  console.log(md);
}

function latencyRow(name: string, latency: Latency): string {
  return (
    `| ${name} | ${latency.p50} ms | ${latency.p90} ms | ${latency.p99} ms | ${latency.max} ms | ${latency.mean} ms ` +
    `| ${latency.requests} | ${latency.failed} |`
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
