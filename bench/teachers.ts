/**
 * Compares the pretrained teachers — USE Lite (npm) and all-MiniLM-L6-v2 (ONNX, installed by
 * scripts/install-teacher-minilm.sh) — on Banking77 (its official test split; 15 % of the
 * official training file, stratified, is the validation split for early stopping) and the SMS
 * Spam Collection (the pipeline's stratified 70/15/15 split, seed 42). For each teacher: embedding
 * throughput on the first 1,000 texts with a cold cache, then heads fitted on the frozen
 * embeddings of the training split (the pipeline's MLP head under a few settings, and
 * L2-regularised logistic regression), scored on the test split. Writes
 * bench/results/teachers.json and bench/results/teachers.md. A benchmark, not a test.
 *
 * Usage: npx tsx bench/teachers.ts [--datasets banking77,sms] [--teachers use-lite,minilm]
 *   [--throughput-rows 1000] [--only-cached]  (--only-cached reports the heads earlier runs fitted)
 * Embeddings are cached in scratch/bench-embeddings (git-ignored), so a re-run fits heads only.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

import { EmbeddingCache } from '../artifacts/embedding-cache';
import { parsePipelineConfig } from '../common/config';
import { initBackend } from '../core/ml/backend';
import { fitLogisticRegression, logisticLogits } from '../core/ml/baseline/logistic-regression';
import { classificationMetrics, softmax } from '../core/ml/metrics';
import { denseRow } from '../core/ml/mlp';
import type { SparseRow } from '../core/ml/student/features';
import { loadOnnxTeacher } from '../core/ml/teacher/onnx';
import type { SentenceEncoder } from '../core/ml/teacher/types';
import { loadUseLite } from '../core/ml/teacher/use-lite';
import { predictBatched, trainMlp } from '../core/ml/train-mlp';
import { canonicalJson, sha256 } from '../core/util/hash';
import { DATASET_NAMES, loadDataset, type Dataset } from './teacher-datasets';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(__dirname, 'results');
const CACHE = resolve(ROOT, 'scratch', 'bench-embeddings');
const HEAD_CACHE = resolve(ROOT, 'scratch', 'bench-heads');
const EMBED_BATCH = parsePipelineConfig({ dataPath: 'x', label: 'y', modelName: 'bench' }).teacher.batchSize;
const SEED = 42;
/** L-BFGS iterations of the logistic-regression head (each is a full pass over the training rows). */
const LOGISTIC_ITERATIONS = 100;

/** One head setting: the pipeline's MLP (hidden width, L2, learning rate) or logistic regression (C). */
type HeadSpec =
  | { readonly kind: 'mlp'; readonly hidden: number; readonly l2: number; readonly learningRate: number }
  | { readonly kind: 'logistic'; readonly c: number };

const HEADS: readonly HeadSpec[] = [
  { kind: 'mlp', hidden: 128, l2: 1e-4, learningRate: 0.002 },
  { kind: 'mlp', hidden: 512, l2: 1e-4, learningRate: 0.002 },
  { kind: 'logistic', c: 10 },
];

interface HeadResult {
  readonly head: HeadSpec;
  readonly validationAccuracy: number;
  readonly testAccuracy: number;
  readonly testMacroF1: number;
  readonly epochsOrIterations: number;
  readonly fitSeconds: number;
}

interface TeacherResult {
  readonly dataset: string;
  readonly teacher: { name: string; version: string; sha256: string };
  readonly dimension: number;
  readonly maxTokens: number;
  readonly throughputRowsPerSecond: number;
  readonly throughputRows: number;
  readonly truncatedRows: number;
  readonly heads: HeadResult[];
  /** The head with the best validation accuracy, and its test figures. */
  readonly chosen: HeadResult;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  await initBackend();
  const all = await Promise.all(DATASET_NAMES.map((name) => loadDataset(name, SEED)));
  const datasets = all.filter((_, i) => args.datasets.includes(DATASET_NAMES[i]!));
  const results: TeacherResult[] = [];
  for (const teacherName of args.teachers) {
    const encoder = await loadTeacher(teacherName);
    for (const dataset of datasets) {
      results.push(await benchTeacher(encoder, dataset, args));
      await report(results, all);
    }
    await encoder.dispose();
  }
}

function parseArgs(argv: string[]) {
  const value = (flag: string, fallback: string) => {
    const i = argv.indexOf(flag);
    return (i >= 0 ? argv[i + 1] : undefined) ?? fallback;
  };
  return {
    datasets: value('--datasets', DATASET_NAMES.join(',')).split(','),
    teachers: value('--teachers', 'use-lite,minilm').split(','),
    /** Texts embedded (cold) to measure throughput. Default 1,000. */
    throughputRows: Number(value('--throughput-rows', '1000')),
    /** Report only heads fitted by earlier runs (scratch/bench-heads); fit nothing. */
    onlyCached: argv.includes('--only-cached'),
  };
}

async function loadTeacher(name: string): Promise<SentenceEncoder> {
  if (name === 'use-lite') return loadUseLite(undefined, { threads: Math.min(4, availableParallelism()) });
  if (name === 'minilm') return loadOnnxTeacher({ path: join(ROOT, 'models', 'all-MiniLM-L6-v2') });
  throw new Error(`unknown teacher ${name}: use-lite or minilm`);
}

async function benchTeacher(
  encoder: SentenceEncoder,
  dataset: Dataset,
  args: { throughputRows: number; onlyCached: boolean },
): Promise<TeacherResult> {
  const throughput = await measureThroughput(encoder, dataset.texts.slice(0, args.throughputRows));
  const vectors = await embedCached(encoder, dataset.texts);
  const rows = vectors.map((v) => denseRow(v));
  const heads: HeadResult[] = [];
  for (const head of HEADS) {
    const result = await fitHeadCached(head, rows, dataset, encoder.identity.sha256, args.onlyCached);
    if (result) heads.push(result);
    log(`${dataset.name} ${encoder.identity.name} ${JSON.stringify(result ?? { head, fitted: false })}`);
  }
  const chosen = heads.reduce((best, h) => (h.validationAccuracy > best.validationAccuracy ? h : best));
  return {
    dataset: dataset.name,
    teacher: encoder.identity,
    dimension: encoder.dimension,
    maxTokens: encoder.maxTokens,
    throughputRowsPerSecond: throughput,
    throughputRows: Math.min(args.throughputRows, dataset.texts.length),
    truncatedRows: encoder.countTruncated(dataset.texts),
    heads,
    chosen,
  };
}

/** Rows per second embedding `texts` with a cold cache, at the pipeline's batch size. */
async function measureThroughput(encoder: SentenceEncoder, texts: string[]): Promise<number> {
  const started = performance.now();
  await encoder.embed(texts, { batchSize: EMBED_BATCH });
  const rowsPerSecond = texts.length / ((performance.now() - started) / 1000);
  log(`${encoder.identity.name}: ${rowsPerSecond.toFixed(1)} rows/s on ${texts.length} texts`);
  return rowsPerSecond;
}

async function embedCached(encoder: SentenceEncoder, texts: string[]): Promise<Float32Array[]> {
  const cache = new EmbeddingCache(CACHE);
  const cached = await cache.lookup(encoder.identity.sha256, texts, encoder.dimension);
  const missing = texts.flatMap((_, i) => (cached[i] ? [] : [i]));
  for (let start = 0; start < missing.length; start += 1024) {
    const rows = missing.slice(start, start + 1024);
    const { vectors } = await encoder.embed(
      rows.map((i) => texts[i]!),
      { batchSize: EMBED_BATCH },
    );
    await cache.store(
      encoder.identity.sha256,
      rows.map((i) => texts[i]!),
      vectors,
    );
    rows.forEach((row, i) => (cached[row] = vectors[i]));
    log(`embedded ${Math.min(start + 1024, missing.length)}/${missing.length}`);
  }
  return cached as Float32Array[];
}

/**
 * A fitted head's figures are kept in scratch/bench-heads by (teacher, dataset, head setting):
 * fitting is deterministic (seeded), so a re-run only fits what it has not fitted before.
 */
async function fitHeadCached(
  head: HeadSpec,
  rows: SparseRow[],
  dataset: Dataset,
  teacher: string,
  onlyCached: boolean,
): Promise<HeadResult | undefined> {
  const path = join(HEAD_CACHE, `${sha256(canonicalJson({ teacher, dataset: dataset.name, head }))}.json`);
  const cached = await readFile(path, 'utf8').then(
    (text) => JSON.parse(text) as HeadResult,
    () => undefined,
  );
  if (cached || onlyCached) return cached;
  const result = await fitHead(head, rows, dataset);
  await mkdir(HEAD_CACHE, { recursive: true });
  await writeFile(path, JSON.stringify(result));
  return result;
}

async function fitHead(head: HeadSpec, rows: SparseRow[], dataset: Dataset): Promise<HeadResult> {
  const started = performance.now();
  const pick = (indices: number[]) => ({
    rows: indices.map((i) => rows[i]!),
    labels: indices.map((i) => dataset.labels[i]!),
  });
  const train = pick(dataset.train);
  const scorer =
    head.kind === 'mlp'
      ? await fitMlp(head, train, pick(dataset.validation), dataset)
      : await fitLogistic(head, train, dataset);
  const score = (indices: number[]) => {
    const probabilities = scorer.probabilities(indices.map((i) => rows[i]!));
    return classificationMetrics(
      indices.map((i) => dataset.labels[i]!),
      probabilities,
      dataset.classes,
    );
  };
  const test = score(dataset.test);
  return {
    head,
    validationAccuracy: score(dataset.validation).accuracy,
    testAccuracy: test.accuracy,
    testMacroF1: test.macroF1,
    epochsOrIterations: scorer.steps,
    fitSeconds: (performance.now() - started) / 1000,
  };
}

type Split = { rows: SparseRow[]; labels: number[] };
type Scorer = { probabilities: (rows: SparseRow[]) => Float64Array[]; steps: number };

/** The pipeline's head: trainMlp with early stopping on validation loss (patience 8, as in loadTeacher). */
async function fitMlp(head: Extract<HeadSpec, { kind: 'mlp' }>, train: Split, validation: Split, dataset: Dataset) {
  const shape = { inputs: train.rows[0]!.values.length, hidden: head.hidden, classes: dataset.classes.length };
  const options = {
    shape,
    epochs: 200,
    batchSize: 128,
    learningRate: head.learningRate,
    seed: SEED,
    l2: head.l2,
    distillation: null,
    patience: 8,
  };
  const result = await trainMlp(train, validation, options);
  return {
    probabilities: (rows: SparseRow[]) => predictBatched(result.weights, shape, rows, 'logits').map((l) => softmax(l)),
    steps: result.history.length,
  } satisfies Scorer;
}

async function fitLogistic(head: Extract<HeadSpec, { kind: 'logistic' }>, train: Split, dataset: Dataset) {
  const inputs = train.rows[0]!.values.length;
  const fit = await fitLogisticRegression(train.rows, train.labels, {
    inputs,
    classes: dataset.classes.length,
    c: head.c,
    maxIterations: LOGISTIC_ITERATIONS,
  });
  return {
    probabilities: (rows: SparseRow[]) => rows.map((r) => softmax(logisticLogits(fit.model, r))),
    steps: fit.iterations,
  } satisfies Scorer;
}

function log(message: string): void {
  process.stderr.write(`[bench:teachers] ${message}\n`);
}

/** Results of other (dataset, teacher) pairs already in teachers.json are kept: runs may be split. */
async function mergedWithEarlier(results: TeacherResult[]): Promise<TeacherResult[]> {
  const earlier = await readFile(join(RESULTS, 'teachers.json'), 'utf8').then(
    (text) => (JSON.parse(text) as { results: TeacherResult[] }).results,
    () => [] as TeacherResult[],
  );
  const key = (r: TeacherResult) => `${r.dataset}/${r.teacher.sha256}`;
  const fresh = new Set(results.map(key));
  return [...earlier.filter((r) => !fresh.has(key(r))), ...results].sort((a, b) => key(a).localeCompare(key(b)));
}

async function report(results: TeacherResult[], datasets: Dataset[]): Promise<void> {
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadAverage1m: loadavg()[0] };
  const splits = datasets.map((d) => ({
    dataset: d.name,
    classes: d.classes.length,
    train: d.train.length,
    validation: d.validation.length,
    test: d.test.length,
    testSource: d.testSource,
  }));
  await mkdir(RESULTS, { recursive: true });
  const merged = await mergedWithEarlier(results);
  const json = { measuredAt: new Date().toISOString(), machine, embedBatchSize: EMBED_BATCH, splits, results: merged };
  await writeFile(join(RESULTS, 'teachers.json'), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(RESULTS, 'teachers.md'), markdown(json));
}

function markdown(json: {
  measuredAt: string;
  machine: { cpus: number; loadAverage1m?: number };
  splits: { dataset: string; classes: number; train: number; validation: number; test: number; testSource: string }[];
  results: TeacherResult[];
}): string {
  const headName = (h: HeadSpec) =>
    h.kind === 'mlp' ? `MLP ${h.hidden} (L2 ${h.l2}, lr ${h.learningRate})` : `logistic regression (C ${h.c})`;
  const pct = (x: number) => x.toFixed(4);
  const lines = [
    '# Teachers: USE Lite vs all-MiniLM-L6-v2',
    '',
    `Measured ${json.measuredAt} on ${json.machine.cpus} CPU cores (1-minute load average at the end: ` +
      `${json.machine.loadAverage1m?.toFixed(1)}; the machine is shared, so throughput is indicative).`,
    '',
    '| dataset | classes | train | validation | test | test split |',
    '|---|---|---|---|---|---|',
    ...json.splits.map(
      (s) => `| ${s.dataset} | ${s.classes} | ${s.train} | ${s.validation} | ${s.test} | ${s.testSource} |`,
    ),
    '',
    '## Chosen head (best validation accuracy) per teacher',
    '',
    '| dataset | teacher | head | test accuracy | test macro-F1 | embedding rows/s | rows > window |',
    '|---|---|---|---|---|---|---|',
    ...json.results.map(
      (r) =>
        `| ${r.dataset} | ${r.teacher.name} | ${headName(r.chosen.head)} | ${pct(r.chosen.testAccuracy)} | ` +
        `${pct(r.chosen.testMacroF1)} | ${r.throughputRowsPerSecond.toFixed(1)} | ` +
        `${r.truncatedRows} (${r.maxTokens}) |`,
    ),
    '',
    '## Every head',
    '',
    '| dataset | teacher | head | validation accuracy | test accuracy | test macro-F1 | epochs / iterations | fit s |',
    '|---|---|---|---|---|---|---|---|',
    ...json.results.flatMap((r) =>
      r.heads.map(
        (h) =>
          `| ${r.dataset} | ${r.teacher.name} | ${headName(h.head)} | ${pct(h.validationAccuracy)} | ` +
          `${pct(h.testAccuracy)} | ${pct(h.testMacroF1)} | ${h.epochsOrIterations} | ${h.fitSeconds.toFixed(1)} |`,
      ),
    ),
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
