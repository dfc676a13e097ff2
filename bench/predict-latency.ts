/**
 * Latency of `POST /models/:name/predict` on loopback: single-row requests at a fixed 200 req/s
 * (autocannon in a separate process, 10 connections, 30 s after a warm-up) against the API as in
 * production (`createApp`, PostgreSQL registry, API key auth with its key cache, alias cache, rate
 * limit, audit hook, metrics; default settings). The served bundle has the default student's shape
 * (4096 character-n-gram buckets, a 3000-term vocabulary, 64 hidden units) with seeded weights:
 * prediction cost depends on the shape, not on the weights' values.
 * Beside autocannon's end-to-end figures, it records the server-side time of each request (from the
 * HTTP server's `request` event to the response's `finish`) and the server's event-loop delay, so
 * that the time spent in Distillery is told apart from the client's and the operating system's.
 *
 * autocannon's rate mode gives each connection a budget of requests per second, sent back to back
 * (one in flight per connection) until it is spent, and corrects for coordinated omission with an
 * expected interval of ceil(1 / per-connection rate) = 1 ms: every response slower than 1 ms adds
 * phantom samples (one per millisecond below it). No send slot is missed here when the whole budget
 * is sent (checked: `requests.total` ≥ 99 % of rate × duration), so that correction does not apply;
 * the bench runs the load twice, with and without it, and judges the target on the run without it.
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

import { RegistryService } from '../api/registry/registry.service';
import { createApp } from '../api/setup';
import { LocalArtifactStore } from '../artifacts/store';
import type { StudentBundle } from '../core/bundle';
import type { StudentFeatureSpec } from '../core/ml/student/features';
import { serializeStudent, studentShape } from '../core/ml/student/model';
import { initialWeights } from '../core/ml/train-mlp';
import { setAlias } from '../registry/aliases';
import { registerModelVersion } from '../registry/register';
import { createTestDatabase } from '../test/support/postgres';

const execFileAsync = promisify(execFile);
const RESULTS = resolve(__dirname, 'results');
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
    const corrected = await load(url, DURATION_S, RATE, true);
    const server = serverSide(app.getHttpAdapter().getInstance().server);
    const result = await load(url, DURATION_S, RATE, false);
    await report(result, corrected, server.stop());
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

function latencyOf(result: autocannon.Result) {
  const { p50, p90, p99, max, mean } = result.latency;
  return { p50, p90, p99, max, mean: Number(mean.toFixed(3)) };
}

async function report(result: autocannon.Result, corrected: autocannon.Result, server: ServerSide): Promise<void> {
  const budgetSent = result.requests.total >= 0.99 * RATE * DURATION_S;
  const figures = {
    date: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    },
    setup: {
      rateRps: RATE,
      durationS: DURATION_S,
      connections: CONNECTIONS,
      recordsPerRequest: 1,
      registry: 'postgres',
    },
    latencyMs: latencyOf(result),
    latencyMsWithAutocannonCorrection: latencyOf(corrected),
    budgetSent,
    server,
    requests: {
      total: result.requests.total,
      perSecond: result.requests.average,
      non2xx: result.non2xx,
      errors: result.errors,
    },
    targetP99Ms: 10,
    meetsTarget: budgetSent && result.latency.p99 < 10 && result.non2xx === 0 && result.errors === 0,
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(join(RESULTS, 'predict-latency.json'), JSON.stringify(figures, null, 2) + '\n');
  const md = [
    '# /predict latency on loopback',
    '',
    `Single-row \`POST /models/:name/predict\`, ${RATE} req/s for ${DURATION_S} s over ${CONNECTIONS} connections`,
    `(autocannon), API key auth and PostgreSQL registry; ${figures.machine.cpus} CPUs (${figures.machine.model}),`,
    `Node ${process.version}, 1-minute load average ${figures.machine.loadAverage1m}, measured ${figures.date}.`,
    '',
    '| run | p50 | p90 | p99 | max | mean | requests | non-2xx | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    latencyRow('as measured', figures.latencyMs, result),
    latencyRow("with autocannon's 1 ms omission correction", figures.latencyMsWithAutocannonCorrection, corrected),
    '',
    `Whole budget sent (${RATE * DURATION_S} requests): ${budgetSent ? 'yes' : 'no'}.`,
    '',
    `Inside the server (HTTP \`request\` event to response \`finish\`): p50 ${server.handledMs.p50} ms, ` +
      `p99 ${server.handledMs.p99} ms, max ${server.handledMs.max} ms. Event-loop delay (1 ms resolution): ` +
      `p50 ${server.eventLoopDelayMs.p50} ms, p99 ${server.eventLoopDelayMs.p99} ms, max ${server.eventLoopDelayMs.max} ms.`,
    '',
    `Target p99 < 10 ms: ${figures.meetsTarget ? 'met' : 'not met'}.`,
    '',
  ].join('\n');
  await writeFile(join(RESULTS, 'predict-latency.md'), md);
  console.log(md);
}

function latencyRow(name: string, latency: ReturnType<typeof latencyOf>, result: autocannon.Result): string {
  return (
    `| ${name} | ${latency.p50} ms | ${latency.p90} ms | ${latency.p99} ms | ${latency.max} ms | ${latency.mean} ms ` +
    `| ${result.requests.total} | ${result.non2xx} | ${result.errors} |`
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
