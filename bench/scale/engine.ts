/**
 * Runs the four data steps with the out-of-core engine on one CSV and writes wall time per step
 * and peak memory as JSON. Run in its own process so that its peak RSS is the engine's alone.
 *
 *   tsx bench/scale/engine.ts <in.csv> <work folder> <result.json>
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import {
  cleanCsv,
  dedupeParquet,
  HASHING_MEMORY_LIMIT,
  selectFeaturesParquet,
  standardizeParquet,
  STREAMING_MEMORY_LIMIT,
} from '../../core/data/engine';

/** What one engine run measured. */
export interface EngineRun {
  rows: number;
  stepSeconds: Record<StepName, number>;
  totalSeconds: number;
  /** CPU seconds (user + system, all threads) per step: comparable when the machine is shared. */
  stepCpuSeconds: Record<StepName, number>;
  totalCpuSeconds: number;
  /** Highest RSS sampled every 50 ms (bytes). DuckDB runs in-process, so RSS includes its memory. */
  peakRssSampledBytes: number;
  /** The kernel's high-water mark of RSS (VmHWM), bytes. */
  peakRssBytes: number;
  rowsAfter: Record<'clean' | 'dedupe', number>;
  splits: Record<string, number>;
  selected: string[];
  outputBytes: Record<'cleaned' | 'deduped' | 'standardized', number>;
  /** The engine's settings: each step's own memory limit (its default), threads, spill folder. */
  engine: { memoryLimits: Record<StepName, string>; threads: number; tempDirectory: string };
}

const LABEL = 'label';
const TEXT = 'review';
const SPLIT = { seed: 42, validation: 0.15, test: 0.15 };
const TOP_K = 8;

async function main(csv: string, work: string, result: string): Promise<void> {
  const engine = { tempDirectory: path.join(work, 'spill'), threads: 2 };
  const files = {
    cleaned: path.join(work, 'cleaned.parquet'),
    deduped: path.join(work, 'deduped.parquet'),
    standardized: path.join(work, 'standardized.parquet'),
  };
  const sampler = startRssSampler();
  const timed = stepTimer();

  const clean = await timed('clean', () =>
    cleanCsv({ csvPath: csv, outputPath: files.cleaned, spec: { label: LABEL, text: TEXT }, engine }),
  );
  const dedupe = await timed('dedupe', () =>
    dedupeParquet({ inputPath: files.cleaned, outputPath: files.deduped, spec: { label: LABEL, text: TEXT }, engine }),
  );
  const standardize = await timed('standardize', () =>
    standardizeParquet({
      inputPath: files.deduped,
      outputPath: files.standardized,
      label: LABEL,
      text: TEXT,
      split: SPLIT,
      engine,
    }),
  );
  const select = await timed('select', () =>
    selectFeaturesParquet({
      inputPath: files.standardized,
      label: LABEL,
      text: TEXT,
      maxTabularFeatures: TOP_K,
      engine,
    }),
  );

  const run: EngineRun = {
    rows: clean.rowsIn,
    stepSeconds: timed.seconds,
    totalSeconds: Object.values(timed.seconds).reduce((sum, s) => sum + s, 0),
    stepCpuSeconds: timed.cpuSeconds,
    totalCpuSeconds: Object.values(timed.cpuSeconds).reduce((sum, s) => sum + s, 0),
    peakRssSampledBytes: sampler.stop(),
    peakRssBytes: await highWaterMark(),
    rowsAfter: { clean: clean.rowsOut, dedupe: dedupe.rowsOut },
    splits: standardize.splits,
    selected: select.selected,
    outputBytes: {
      cleaned: (await stat(files.cleaned)).size,
      deduped: (await stat(files.deduped)).size,
      standardized: (await stat(files.standardized)).size,
    },
    engine: { ...engine, memoryLimits: MEMORY_LIMITS },
  };
  await writeFile(result, JSON.stringify(run, null, 2));
  await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
}

type StepName = 'clean' | 'dedupe' | 'standardize' | 'select';

/** The memory limit each step runs under by default (see core/data/engine/session). */
const MEMORY_LIMITS: Record<StepName, string> = {
  clean: STREAMING_MEMORY_LIMIT,
  dedupe: HASHING_MEMORY_LIMIT,
  standardize: STREAMING_MEMORY_LIMIT,
  select: STREAMING_MEMORY_LIMIT,
};

function stepTimer() {
  const seconds = { clean: 0, dedupe: 0, standardize: 0, select: 0 };
  const cpuSeconds = { ...seconds };
  const timed = async <T>(step: StepName, work: () => Promise<T>): Promise<T> => {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const value = await work();
    seconds[step] = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    cpuSeconds[step] = (used.user + used.system) / 1e6;
    return value;
  };
  return Object.assign(timed, { seconds, cpuSeconds });
}

function startRssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

async function highWaterMark(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kilobytes = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kilobytes === undefined ? 0 : Number(kilobytes) * 1024;
}

const [csv, work, result] = process.argv.slice(2);
if (!csv || !work || !result) throw new Error('usage: tsx bench/scale/engine.ts <in.csv> <work folder> <result.json>');
void main(csv, work, result);
