/**
 * Student training throughput, TF.js (our path) against PyTorch (CPU), on the same features.
 *
 * Runs the data steps on the SMS Spam Collection (Almeida and Gómez Hidalgo), builds the
 * student's sparse features of the training split exactly as `distill` does, and exports them
 * (CSR), the labels and every epoch's shuffled row order. Then it trains the same network
 * (hashed n-gram features → 64 ReLU → classes, Adam, hard labels) for the same epochs and batch
 * size with core/ml/train-mlp.ts and with bench/pytorch/train.py, and writes the rows/s of each
 * and their ratio to bench/results/pytorch.{json,md}.
 *
 * Needs PyTorch in bench/.venv-torch: `python3 -m venv bench/.venv-torch &&
 * bench/.venv-torch/bin/pip install torch==2.13.0 numpy`. Usage: tsx bench/pytorch/compare.ts
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createCpuActivities } from '../../activities';
import { labelIndices, rowsOfSplit, type FeatureSelection, type PreparedTransform } from '../../activities/prepared';
import { featurizeAll } from '../../activities/training';
import { readFrame } from '../../artifacts/parquet';
import { parsePipelineConfig } from '../../common/config';
import { initBackend } from '../../core/ml/backend';
import type { SparseRow, StudentFeatureSpec } from '../../core/ml/student/features';
import { studentShape } from '../../core/ml/student/model';
import { trainMlp } from '../../core/ml/train-mlp';
import { seededRandom, shuffled } from '../../core/util/random';
import { createDeps } from '../../workers/deps';
import { loadSettings } from '../../workers/settings';

const ROOT = resolve(__dirname, '..', '..');
const DATA = resolve(ROOT, '..', 'shared', 'datasets', 'sms_spam', 'sms_spam.csv');
const PYTHON = join(ROOT, 'bench', '.venv-torch', 'bin', 'python');
const RESULTS = join(ROOT, 'bench', 'results');

async function main(): Promise<void> {
  const config = parsePipelineConfig({ dataPath: DATA, label: 'label', text: 'text', modelName: 'bench-torch' });
  const home = join(ROOT, '.distillery', 'bench-torch');
  const { rows, labels, spec, classes } = await studentFeatures(home, config);
  const shape = studentShape(spec, config.student.hidden, classes);
  const { epochs, batchSize, learningRate } = config.student;
  const orders = Array.from({ length: epochs }, (_, e) =>
    shuffled(
      labels.map((_, i) => i),
      seededRandom(config.seed * 7919 + e + 1),
    ),
  );
  const folder = join(home, 'export');
  await exportCsr(folder, rows, labels, orders, { ...shape, epochs, batchSize, learningRate, seed: config.seed });

  const backend = await initBackend();
  const options = { shape, epochs, batchSize, learningRate, seed: config.seed, distillation: null };
  const started = performance.now();
  await trainMlp({ rows, labels }, { rows: rows.slice(0, 1), labels: labels.slice(0, 1) }, options);
  const tfjsSeconds = (performance.now() - started) / 1000;
  const { stdout } = await promisify(execFile)(PYTHON, [join(__dirname, 'train.py'), folder]);
  const torch = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    seconds: number;
    rowsPerSecond: number;
    threads: number;
    torch: string;
  };

  const tfjsRowsPerSecond = (epochs * rows.length) / tfjsSeconds;
  const result = {
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), node: process.version, loadAverage1m: loadavg()[0] },
    data: { rows: rows.length, features: shape.inputs, nonZerosPerRow: nonZeros(rows) / rows.length, classes },
    training: { epochs, batchSize, learningRate, hidden: shape.hidden, loss: 'cross-entropy (hard labels)' },
    tfjs: { backend: backend.name, simd: backend.simd, seconds: tfjsSeconds, rowsPerSecond: tfjsRowsPerSecond },
    pytorch: {
      version: torch.torch,
      threads: torch.threads,
      seconds: torch.seconds,
      rowsPerSecond: torch.rowsPerSecond,
    },
    pytorchOverTfjs: torch.rowsPerSecond / tfjsRowsPerSecond,
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(join(RESULTS, 'pytorch.json'), JSON.stringify(result, null, 2) + '\n');
  await writeFile(join(RESULTS, 'pytorch.md'), markdown(result));
  console.log(markdown(result));
}

/** The data steps, then `distill`'s feature construction, on the training split. */
async function studentFeatures(home: string, config: ReturnType<typeof parsePipelineConfig>) {
  const deps = createDeps(loadSettings({ ...process.env, DISTILLERY_HOME: home }));
  try {
    const cpu = createCpuActivities(deps);
    const cleaned = await run(cpu.clean, { config });
    const deduped = await run(cpu.dedupe, { config, input: cleaned.outputs.cleaned! });
    const standardized = await run(cpu.standardize, { config, input: deduped.outputs.deduped! });
    const selected = await run(cpu.selectFeatures, { config, input: standardized.outputs.standardized! });
    const frame = await readFrame(deps.store, standardized.outputs.standardized!);
    const transform = await deps.store.getJson<PreparedTransform>(standardized.outputs.transform!);
    const selection = await deps.store.getJson<FeatureSelection>(selected.outputs.featureSelection!);
    const spec: StudentFeatureSpec = {
      vocabulary: selection.text.terms.map((t) => t.term),
      ngramMax: selection.text.ngramMax,
      charBuckets: config.student.charBuckets,
      tabular: selection.tabular.selected,
    };
    const train = rowsOfSplit(frame, 'train');
    const all = featurizeAll(frame, transform, spec);
    return {
      rows: train.map((r) => all[r]!),
      labels: labelIndices(frame, transform, train),
      spec,
      classes: transform.labels.length,
    };
  } finally {
    await deps.close();
  }
}

async function exportCsr(
  folder: string,
  rows: readonly SparseRow[],
  labels: readonly number[],
  orders: readonly number[][],
  meta: Record<string, unknown>,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, i) => (indptr[i + 1] = indptr[i]! + row.indices.length));
  const indices = new Int32Array(indptr[rows.length]!);
  const values = new Float32Array(indptr[rows.length]!);
  rows.forEach((row, i) => {
    indices.set(row.indices, indptr[i]!);
    values.set(row.values, indptr[i]!);
  });
  const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  await writeFile(join(folder, 'indptr.i32'), bytes(indptr));
  await writeFile(join(folder, 'indices.i32'), bytes(indices));
  await writeFile(join(folder, 'values.f32'), bytes(values));
  await writeFile(join(folder, 'labels.i32'), bytes(Int32Array.from(labels)));
  await writeFile(join(folder, 'orders.i32'), bytes(Int32Array.from(orders.flat())));
  await writeFile(join(folder, 'meta.json'), JSON.stringify(meta));
}

function run<I, R>(activity: (input: I) => Promise<R>, input: I): Promise<R> {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
  return env.run(activity, input) as Promise<R>;
}

function nonZeros(rows: readonly SparseRow[]): number {
  return rows.reduce((sum, r) => sum + r.indices.length, 0);
}

function markdown(r: {
  date: string;
  machine: { cores: number; loadAverage1m?: number };
  data: { rows: number; features: number; nonZerosPerRow: number };
  training: { epochs: number; batchSize: number; hidden: number };
  tfjs: { backend: string; seconds: number; rowsPerSecond: number };
  pytorch: { version: string; threads: number; seconds: number; rowsPerSecond: number };
  pytorchOverTfjs: number;
}): string {
  return [
    `Student training throughput, ${r.date}, ${r.machine.cores} cores (1-minute load average ` +
      `${r.machine.loadAverage1m?.toFixed(1)} at the end). SMS Spam Collection (Almeida and Gómez`,
    `Hidalgo) training split: ${r.data.rows} rows × ${r.data.features} features (${r.data.nonZerosPerRow.toFixed(0)}` +
      ` non-zeros per row), ${r.training.hidden} hidden units, ${r.training.epochs} epochs, ` +
      `batch ${r.training.batchSize},`,
    'Adam, hard labels, identical batches. `tsx bench/pytorch/compare.ts`.',
    '',
    '| trainer | seconds | rows/s |',
    '|---|---:|---:|',
    `| TF.js (${r.tfjs.backend}) | ${r.tfjs.seconds.toFixed(2)} | ${r.tfjs.rowsPerSecond.toFixed(0)} |`,
    `| PyTorch ${r.pytorch.version} CPU (${r.pytorch.threads} threads) | ${r.pytorch.seconds.toFixed(2)} | ` +
      `${r.pytorch.rowsPerSecond.toFixed(0)} |`,
    '',
    `PyTorch / TF.js training throughput: ${r.pytorchOverTfjs.toFixed(2)}×`,
    '',
  ].join('\n');
}

void main();
