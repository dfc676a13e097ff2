/**
 * Times the demo: the full SMS Spam Collection through the eight steps on a local Temporal dev
 * server with in-process workers and a fresh embedded registry (a cold embedding cache).
 * Writes per-step wall time, rows/s and the process's peak resident memory to
 * bench/results/demo.json and bench/results/demo.md. A benchmark, not a test.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { parsePipelineConfig } from '../common/config';
import { CPU_TASK_QUEUE, PIPELINE_WORKFLOW } from '../common/constants';
import type { PipelineResult, StepRecord } from '../common/contracts';
import { findDemoData } from '../cli/demo-data';
import { startRuntime } from '../cli/runtime';
import { initBackend } from '../core/ml/backend';
import { loadSettings } from '../workers/settings';

const RESULTS = resolve(__dirname, 'results');

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'distillery-bench-'));
  const settings = { ...loadSettings({ ...process.env, DISTILLERY_HOME: home }), temporalAddress: undefined };
  const data = await findDemoData(home);
  const runtime = await startRuntime(settings);
  try {
    const config = parsePipelineConfig({ dataPath: data.path, label: 'label', text: 'text', modelName: 'bench-sms' });
    const started = Date.now();
    const handle = await runtime.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `bench-${started}`,
      args: [{ config, codeVersion: 'bench' }],
    });
    const result = (await runtime.run(handle.result())) as PipelineResult;
    await report(result, (Date.now() - started) / 1000, settings.teacherThreads ?? 1);
  } finally {
    await runtime.close();
    await rm(home, { recursive: true, force: true });
  }
}

async function report(result: PipelineResult, totalSeconds: number, threads: number): Promise<void> {
  const backend = await initBackend();
  const steps = result.steps.map(stepFigures);
  const evaluate = result.steps.find((s) => s.step === 'evaluate')?.summary as
    { figures?: Record<string, Record<string, number | null>> } | undefined;
  const figures = {
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), node: process.version, backend: backend.name, teacherThreads: threads },
    totalSeconds,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    steps,
    metrics: evaluate?.figures,
    version: result.version,
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(join(RESULTS, 'demo.json'), JSON.stringify(figures, null, 2) + '\n');
  const lines = [
    `Demo benchmark, ${figures.date} (${figures.machine.cores} cores, ${backend.name} backend, ` +
      `${threads} teacher threads): ${totalSeconds.toFixed(1)} s, peak RSS ${figures.peakRssMiB} MiB`,
    '',
    '| step | seconds | rows | rows/s |',
    '|---|---:|---:|---:|',
    ...steps.map(
      (s) => `| ${s.step} | ${s.seconds.toFixed(2)} | ${s.rows ?? ''} | ${s.rowsPerSecond?.toFixed(0) ?? ''} |`,
    ),
    '',
    ...metricsTable(evaluate?.figures ?? {}),
  ];
  await writeFile(join(RESULTS, 'demo.md'), lines.join('\n') + '\n');
  console.log(lines.join('\n'));
}

function metricsTable(figures: Record<string, Record<string, number | null>>): string[] {
  const cell = (v: number | null | undefined, digits = 4) => (typeof v === 'number' ? v.toFixed(digits) : '—');
  return [
    '| model (test split) | accuracy | macro-F1 | ROC-AUC | log-loss | ECE | p50 ms | p99 ms | rows/s | bytes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(figures).map(
      ([model, f]) =>
        `| ${model} | ${cell(f.accuracy)} | ${cell(f.macroF1)} | ${cell(f.rocAuc)} | ${cell(f.logLoss)} | ` +
        `${cell(f.ece)} | ${cell(f.latencyP50Ms, 3)} | ${cell(f.latencyP99Ms, 3)} | ` +
        `${cell(f.throughputRowsPerSecond, 0)} | ${cell(f.sizeBytes, 0)} |`,
    ),
  ];
}

function stepFigures(step: StepRecord) {
  const seconds = (Date.parse(step.finishedAt) - Date.parse(step.startedAt)) / 1000;
  const summary = step.summary as { rowsIn?: number; rowsEmbedded?: number; testRows?: number };
  const rows = summary.rowsIn ?? summary.rowsEmbedded ?? summary.testRows;
  return {
    step: step.step,
    seconds,
    rows,
    rowsPerSecond: rows === undefined ? undefined : rows / Math.max(seconds, 1e-3),
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
