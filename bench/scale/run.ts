/**
 * The scale benchmark (npm run bench:scale): the four data steps with the out-of-core engine and
 * with pandas + scikit-learn (plain, and writing each step's output as Parquet as the engine does)
 * on the same 1-million-row file, side by side, five runs each, then the engine alone on a
 * 10-million-row file. Writes bench/results/scale.json and scale.md with wall times, peak RSS,
 * the speed-up and the machine's load. Data files go to bench/data/ (git-ignored); the Python
 * baseline runs in bench/.venv, created and filled from bench/scale/requirements.txt when missing.
 *
 *   tsx bench/scale/run.ts [small rows = 1000000] [large rows = 10000000]
 *   tsx bench/scale/run.ts --render      (re-writes scale.md from scale.json)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { EngineRun } from './engine';
import { generateScaleCsv } from './generate';

const ROOT = path.resolve(__dirname, '../..');
const DATA = path.join(ROOT, 'bench/data');
const RESULTS = path.join(ROOT, 'bench/results');
const VENV = path.join(ROOT, 'bench/.venv');
const PYTHON = path.join(VENV, 'bin/python');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const RSS_LIMIT_BYTES = 2 * 1024 ** 3;

/** What the pandas + scikit-learn run measured (bench/scale/pandas_steps.py). */
interface PandasRun {
  stepSeconds: Record<string, number>;
  totalSeconds: number;
  stepCpuSeconds: Record<string, number>;
  totalCpuSeconds: number;
  peakRssBytes: number;
  rowsAfter: Record<string, number>;
  splits: Record<string, number>;
  selected: string[];
  versions: Record<string, string>;
}

/** One timed run and the load of the machine around it. */
interface Measured<T> {
  run: T;
  loadBefore: string;
  loadAfter: string;
}

/** Runs of each side on the small file; the run with the median total is reported. */
const REPEATS = 5;

async function main(smallRows: number, largeRows: number): Promise<void> {
  const small = await dataFile(smallRows);
  const large = await dataFile(largeRows);
  ensurePython();

  const runs: SmallRuns = { engine: [], pandas: [], pandasParquet: [] };
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    runs.engine.push(await measure(() => runEngine(small, 'small')));
    runs.pandas.push(await measure(() => runPandas(small, false)));
    runs.pandasParquet.push(await measure(() => runPandas(small, true)));
  }
  const engineLarge = await measure(() => runEngine(large, 'large'));

  const [engine, pandas, pandasParquet] = [median(runs.engine), median(runs.pandas), median(runs.pandasParquet)];
  const results: Results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryBytes: os.totalmem(), node: process.version },
    small: {
      rows: smallRows,
      engine,
      pandas,
      pandasParquet,
      totals: {
        engine: runs.engine.map((m) => m.run.totalSeconds),
        pandas: runs.pandas.map((m) => m.run.totalSeconds),
        pandasParquet: runs.pandasParquet.map((m) => m.run.totalSeconds),
      },
      speedup: pandas.run.totalSeconds / engine.run.totalSeconds,
      speedupSameOutputs: pandasParquet.run.totalSeconds / engine.run.totalSeconds,
      cpuRatio: pandas.run.totalCpuSeconds / engine.run.totalCpuSeconds,
    },
    large: { rows: largeRows, engine: engineLarge, underRssLimit: engineLarge.run.peakRssBytes < RSS_LIMIT_BYTES },
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(path.join(RESULTS, 'scale.json'), JSON.stringify(results, null, 2) + '\n');
  await writeFile(path.join(RESULTS, 'scale.md'), markdown(results));
  process.stdout.write(markdown(results));
}

/** The timed runs of each side on the small file, in the order they ran (alternating sides). */
interface SmallRuns {
  engine: Measured<EngineRun>[];
  pandas: Measured<PandasRun>[];
  pandasParquet: Measured<PandasRun>[];
}

/** The run whose total wall time is the median of `runs` (the lower middle one for an even count). */
function median<T extends { totalSeconds: number }>(runs: readonly Measured<T>[]): Measured<T> {
  const sorted = [...runs].sort((a, b) => a.run.totalSeconds - b.run.totalSeconds);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function dataFile(rows: number): Promise<string> {
  const file = path.join(DATA, `scale-${rows}.csv`);
  if (!existsSync(file)) {
    process.stdout.write(`generating ${file}\n`);
    await generateScaleCsv(file, rows);
  }
  return file;
}

/** Creates bench/.venv with the pinned packages unless they already import. */
function ensurePython(): void {
  const check = spawnSync(PYTHON, ['-c', 'import pandas, sklearn, pyarrow'], { stdio: 'ignore' });
  if (check.status === 0) return;
  run('python3', ['-m', 'venv', VENV]);
  run(PYTHON, ['-m', 'pip', 'install', '--quiet', '-r', path.join(ROOT, 'bench/scale/requirements.txt')]);
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const loadBefore = uptime();
  const value = await work();
  return { run: value, loadBefore, loadAfter: uptime() };
}

function uptime(): string {
  return spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
}

async function runEngine(csv: string, name: string): Promise<EngineRun> {
  const work = path.join(DATA, `engine-${name}`);
  const result = path.join(work, 'result.json');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  run(TSX, [path.join(ROOT, 'bench/scale/engine.ts'), csv, work, result]);
  return JSON.parse(await readFile(result, 'utf8')) as EngineRun;
}

/** The pandas + scikit-learn steps; with `writeParquet`, each step also writes its output as the engine does. */
async function runPandas(csv: string, writeParquet: boolean): Promise<PandasRun> {
  const result = path.join(DATA, 'pandas-result.json');
  const output = path.join(DATA, 'pandas-output');
  await rm(output, { recursive: true, force: true });
  await mkdir(output, { recursive: true });
  run(PYTHON, [path.join(ROOT, 'bench/scale/pandas_steps.py'), csv, result, ...(writeParquet ? [output] : [])]);
  return JSON.parse(await readFile(result, 'utf8')) as PandasRun;
}

interface Results {
  date: string;
  machine: { cpus: number; memoryBytes: number; node: string };
  small: {
    rows: number;
    /** The median run of each side. */
    engine: Measured<EngineRun>;
    pandas: Measured<PandasRun>;
    /** pandas + scikit-learn writing every step's output as Parquet, as the engine does. */
    pandasParquet: Measured<PandasRun>;
    /** Total wall seconds of every run, in the order they ran. */
    totals: Record<'engine' | 'pandas' | 'pandasParquet', number[]>;
    speedup: number;
    speedupSameOutputs: number;
    cpuRatio: number;
  };
  large: { rows: number; engine: Measured<EngineRun>; underRssLimit: boolean };
}

function markdown({ date, machine, small, large }: Results): string {
  const steps = ['clean', 'dedupe', 'standardize', 'select'] as const;
  const seconds = (s: number | undefined): string => (s === undefined ? '–' : s.toFixed(2));
  const gib = (bytes: number): string => (bytes / 1024 ** 3).toFixed(2);
  const cell = (wall: number | undefined, cpu: number | undefined): string => `${seconds(wall)} (${seconds(cpu)})`;
  const row = (label: string, run: EngineRun | PandasRun): string =>
    `| ${label} | ${steps.map((s) => cell(run.stepSeconds[s], run.stepCpuSeconds[s])).join(' | ')} ` +
    `| ${cell(run.totalSeconds, run.totalCpuSeconds)} | ${gib(run.peakRssBytes)} |`;
  const rows = (n: number): string => `${n.toLocaleString('en')} rows`;
  const totals = (list: readonly number[]): string => list.map((t) => t.toFixed(2)).join(', ');
  return [
    `# Scale benchmark (${date})`,
    '',
    `Machine: ${machine.cpus} CPUs, ${gib(machine.memoryBytes)} GiB, Node ${machine.node}, shared with other work`,
    '(load averages below). Per step: wall seconds (CPU seconds, all threads, in brackets; the engine',
    'uses 2 threads, pandas one). Peak RSS in GiB (VmHWM / ru_maxrss; DuckDB runs in-process, so the',
    `engine RSS includes it). On ${rows(small.rows)} each side ran ${small.totals.engine.length} times, alternating;`,
    'the table shows the run with the median total.',
    '',
    '| run | clean | dedupe | standardize | select | total | peak RSS |',
    '|---|---|---|---|---|---|---|',
    row(`engine, ${rows(small.rows)}`, small.engine.run),
    row(`pandas + scikit-learn, ${rows(small.rows)}`, small.pandas.run),
    row(`pandas + scikit-learn writing each step's Parquet, ${rows(small.rows)}`, small.pandasParquet.run),
    row(`engine, ${rows(large.rows)}`, large.engine.run),
    '',
    `Speed-up of the engine over pandas + scikit-learn on ${rows(small.rows)}: ` +
      `**${small.speedup.toFixed(2)}×** in wall time (target ≥ 3×); ` +
      `${small.speedupSameOutputs.toFixed(2)}× over pandas writing the same Parquet outputs as the engine; ` +
      `pandas CPU seconds / engine CPU seconds: ${small.cpuRatio.toFixed(2)}.`,
    `Totals of every run, in order: engine ${totals(small.totals.engine)}; pandas ${totals(small.totals.pandas)}; ` +
      `pandas writing Parquet ${totals(small.totals.pandasParquet)}.`,
    `Peak RSS on ${rows(large.rows)}: ${gib(large.engine.run.peakRssBytes)} GiB ` +
      `(${large.underRssLimit ? 'under' : 'over'} the 2 GiB limit).`,
    '',
    'Load (uptime) before → after the median runs:',
    '',
    `- engine, small: ${small.engine.loadBefore} → ${small.engine.loadAfter}`,
    `- pandas, small: ${small.pandas.loadBefore} → ${small.pandas.loadAfter}`,
    `- pandas writing Parquet, small: ${small.pandasParquet.loadBefore} → ${small.pandasParquet.loadAfter}`,
    `- engine, large: ${large.engine.loadBefore} → ${large.engine.loadAfter}`,
    '',
  ].join('\n');
}

/** Re-writes scale.md from scale.json (after a change to the table's layout, without re-running). */
async function render(): Promise<void> {
  const results = JSON.parse(await readFile(path.join(RESULTS, 'scale.json'), 'utf8')) as Results;
  await writeFile(path.join(RESULTS, 'scale.md'), markdown(results));
}

const [smallRows = '1000000', largeRows = '10000000'] = process.argv.slice(2);
void (smallRows === '--render' ? render() : main(Number(smallRows), Number(largeRows)));
