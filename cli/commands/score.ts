/**
 * `distillery score`: scores a CSV file with a registered model version through the batch-prediction
 * workflow, locally like `train` (a dev server and the CPU worker in-process) or as a client of
 * `TEMPORAL_ADDRESS`, and optionally writes the predictions as CSV.
 */
import { randomUUID } from 'node:crypto';
import { access, constants, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import type { Command } from 'commander';

import { resolveModel, type BatchPredictInput } from '../../activities/batch-predict';
import { readFrame } from '../../artifacts/parquet';
import { BATCH_PREDICT_WORKFLOW, CPU_TASK_QUEUE } from '../../common/constants';
import { DataNotFoundError } from '../../common/errors';
import type { Frame } from '../../core/data/frame';
import type { Registry } from '../../registry/db';
import { RegistryError } from '../../registry/errors';
import { findServableVersion } from '../../registry/versions';
import type { BatchPredictResult } from '../../workflows/batch-predict';
import { createDeps } from '../../workers/deps';
import { loadSettings } from '../../workers/settings';
import { WorkflowCommandError } from '../errors';
import { InterruptedError, onInterrupt } from '../interrupt';
import { startRuntime, type CliRuntime } from '../runtime';

interface ScoreOptions {
  model: string;
  data: string;
  idColumn?: string;
  out?: string;
}

/** Adds `score` to the program. */
export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('score a CSV file with a registered model version (batch prediction)')
    .requiredOption('--model <model>', 'NAME (latest version), NAME@VERSION or NAME@ALIAS')
    .requiredOption('--data <file>', 'CSV or TSV file with the columns the model was trained on')
    .option('--id-column <column>', 'column identifying the rows in the predictions (default: the row number)')
    .option('--out <file>', 'write the predictions as CSV: row_id, label, p_<class> per class')
    .action(async (options: ScoreOptions) => score(options));
}

async function score(options: ScoreOptions): Promise<void> {
  const dataPath = resolve(options.data);
  await access(dataPath, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
    throw new DataNotFoundError(dataPath, error.code ?? error.message);
  });
  const settings = loadSettings();
  const deps = createDeps(settings);
  let version: { name: string; version: number };
  let runtime: CliRuntime;
  try {
    // Checked before any server starts: an unknown model or alias is a one-line error at once.
    version = await servableVersion(await deps.registry(), options.model);
    runtime = await startRuntime(settings, { accelerator: false, deps });
  } catch (error) {
    await deps.close();
    throw error;
  }
  let handle: WorkflowHandle | undefined;
  const interrupt = onInterrupt(() => handle?.terminate('interrupted from the CLI'));
  try {
    const input: BatchPredictInput = {
      model: `${version.name}@${version.version}`,
      dataPath,
      ...(options.idColumn === undefined ? {} : { idColumn: options.idColumn }),
    };
    handle = await runtime.client.workflow.start(BATCH_PREDICT_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `score-${version.name}-${randomUUID()}`,
      args: [input],
    });
    console.error(`started workflow ${handle.workflowId}`);
    const result = (await runtime.run(handle.result())) as BatchPredictResult;
    const out = options.out === undefined ? undefined : resolve(options.out);
    if (out) await writeFile(out, frameToCsv(await readFrame(runtime.deps.store, result.predictions)));
    console.log(scoreSummary(result, out));
  } catch (error) {
    if (interrupt.happened()) throw new InterruptedError();
    if (error instanceof WorkflowFailedError) throw new WorkflowCommandError(error, 'nothing was scored');
    throw error;
  } finally {
    interrupt.stop();
    await runtime.close();
  }
}

/**
 * The registered version a reference names, which must exist and not be archived.
 * @throws RegistryError ('not found', 'archived').
 */
async function servableVersion(registry: Registry, reference: string): Promise<{ name: string; version: number }> {
  const { name, version } = await resolveModel(registry, reference);
  const servable = await findServableVersion(registry, name, { version });
  if (servable.archived) {
    throw new RegistryError(`${name} v${version} is archived and serves no predictions`, {
      reason: 'archived',
      name,
      version,
    });
  }
  return { name, version };
}

/** One line: `Scored 4 rows with spam@2: ham 3, spam 1`, and where the predictions are. */
export function scoreSummary(result: BatchPredictResult, out: string | undefined): string {
  const counts = result.classes.map((c) => `${c} ${result.predicted[c] ?? 0}`).join(', ');
  const where = out ? `written to ${out}` : `in the artifact ${result.predictions.uri}`;
  return `Scored ${result.rows} rows with ${result.modelName}@${result.version}: ${counts} (predictions ${where})`;
}

/** A frame as RFC 4180 CSV with a header; missing cells are empty, fields quoted when they need it. */
export function frameToCsv(frame: Frame): string {
  const lines = [frame.columns.map(csvField).join(',')];
  for (let row = 0; row < frame.rowCount; row++) {
    lines.push(frame.columns.map((c) => csvField(frame.values[c]![row] ?? null)).join(','));
  }
  return lines.join('\n') + '\n';
}

function csvField(cell: string | number | null): string {
  if (cell === null) return '';
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
