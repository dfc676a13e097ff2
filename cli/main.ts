#!/usr/bin/env node
/**
 * The `distillery` command line: train, demo, score, models, lineage, and the API commands.
 * With no TEMPORAL_ADDRESS it starts a local Temporal dev server and runs both workers in-process;
 * with no DATABASE_URL the registry is an embedded PGlite database under DISTILLERY_HOME.
 */
import { randomUUID } from 'node:crypto';
import { access, constants } from 'node:fs/promises';

import type { WorkflowHandle } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';

import { parsePipelineConfig, type PipelineConfigInput } from '../common/config';
import { PIPELINE_WORKFLOW, CPU_TASK_QUEUE } from '../common/constants';
import type { PipelineInput, PipelineResult } from '../common/contracts';
import { DataNotFoundError } from '../common/errors';
import { getLineage, listModelVersions } from '../registry/repository';
import { createDeps } from '../workers/deps';
import { loadSettings } from '../workers/settings';
import { findDemoData } from './demo-data';
import { describeCliError } from './errors';
import { InterruptedError, onInterrupt } from './interrupt';
import { followProgress } from './progress';
import { lineageTree, modelsTable, runReport } from './report';
import { startRuntime, type CliRuntime } from './runtime';
import { DEFAULT_MODEL_NAME, readConfigFile, trainConfigInput } from './train-config';
import { codeVersion } from './version';
import { registerApiCommands } from './commands/api';
import { registerKeyCommands } from './commands/keys';
import { registerScoreCommand } from './commands/score';

const program = new Command('distillery')
  .description('Distil pretrained teachers into small students, with full lineage.')
  .version(codeVersion())
  .showHelpAfterError();

program
  .command('train')
  .description('run the pipeline on a CSV file and register the distilled student')
  .option('--config <file>', 'JSON file of configuration fields (common/config.ts); the flags given override them')
  .option('--data <file>', 'CSV or TSV file (required unless the --config file gives dataPath)')
  .option('--test-data <file>', 'published test split in the same format; validation is then carved from --data')
  .option('--label <column>', 'label column (required unless the --config file gives label)')
  .option('--text <column>', 'free-text column')
  .option('--features <columns>', 'comma-separated tabular feature columns (default: all others)', list)
  .option('--model <name>', `registered model name (default: ${DEFAULT_MODEL_NAME})`)
  .option('--epochs <n>', 'student training epochs', positiveInt)
  .option('--temperature <t>', 'distillation temperature (> 0)', Number)
  .option('--alpha <a>', 'weight of the distillation term in [0, 1]', Number)
  .option('--seed <n>', 'seed of every random choice', positiveInt)
  .option('--delimiter <char>', 'field delimiter (default: detected)')
  .option('--no-header', 'the file has no header row (name the columns with --columns)')
  .option('--columns <names>', 'comma-separated column names of a header-less file', list)
  .option('--encoding <name>', "file encoding: 'utf-8' (default) or 'latin-1'")
  .option('--missing <markers>', "comma-separated extra missing-value markers, e.g. '?,N/A'", list)
  .action(async (options: TrainOptions) => {
    const file = options.config === undefined ? {} : await readConfigFile(options.config);
    await train(trainConfigInput(file, trainFlags(options)));
  });

program
  .command('demo')
  .description('run the pipeline on the SMS Spam Collection with good defaults')
  .option('--model <name>', 'registered model name', 'sms-spam')
  .action(async (options: { model: string }) => {
    const settings = loadSettings();
    const data = await findDemoData(settings.home);
    await train({
      dataPath: data.path,
      label: 'label',
      text: 'text',
      modelName: options.model,
      triggeredBy: 'cli demo',
      ...(data.headerless ? { csv: { delimiter: '\t', header: false, columnNames: ['label', 'text'] } } : {}),
    });
  });

program
  .command('models')
  .description('list registered model versions')
  .argument('[name]', 'only this model')
  .action(async (name?: string) => {
    await withRegistry(async (runtime) =>
      console.log(modelsTable(await listModelVersions(await runtime.registry(), name))),
    );
  });

program
  .command('lineage')
  .description('print the lineage of NAME[@VERSION] (default: latest version)')
  .argument('<model>', 'NAME or NAME@VERSION')
  .action(async (spec: string) => {
    const [name, version] = parseModelSpec(spec);
    await withRegistry(async (runtime) =>
      console.log(lineageTree(await getLineage(await runtime.registry(), name, version))),
    );
  });

interface TrainOptions {
  config?: string;
  data?: string;
  testData?: string;
  label?: string;
  text?: string;
  features?: string[];
  model?: string;
  epochs?: number;
  temperature?: number;
  alpha?: number;
  seed?: number;
  delimiter?: string;
  header: boolean;
  columns?: string[];
  encoding?: string;
  missing?: string[];
}

async function train(input: PipelineConfigInput): Promise<void> {
  const config = parsePipelineConfig(input);
  for (const path of [config.dataPath, config.testDataPath].filter((p) => p !== undefined)) {
    await access(path, constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new DataNotFoundError(path, error.code ?? error.message);
    });
  }
  const runtime = await startRuntime(loadSettings());
  let handle: WorkflowHandle | undefined;
  const interrupt = onInterrupt(() => handle?.terminate('interrupted from the CLI'));
  try {
    const started = Date.now();
    const workflowInput: PipelineInput = { config, codeVersion: codeVersion() };
    handle = await runtime.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `train-${config.modelName}-${randomUUID()}`,
      args: [workflowInput],
    });
    console.error(`started workflow ${handle.workflowId}`);
    const result = await runtime.run(followProgress(handle, handle.result() as Promise<PipelineResult>));
    console.log(runReport(result, (Date.now() - started) / 1000));
  } catch (error) {
    throw interrupt.happened() ? new InterruptedError() : error;
  } finally {
    interrupt.stop();
    await runtime.close();
  }
}

/** Opens only the registry (no Temporal) for read commands. */
async function withRegistry(
  work: (deps: { registry: CliRuntime['deps']['registry'] }) => Promise<void>,
): Promise<void> {
  const deps = createDeps(loadSettings());
  try {
    await work(deps);
  } finally {
    await deps.close();
  }
}

/** The configuration fields the flags set (undefined where a flag was not given). */
function trainFlags(options: TrainOptions): Partial<PipelineConfigInput> {
  return {
    dataPath: options.data,
    testDataPath: options.testData,
    label: options.label,
    text: options.text,
    features: options.features,
    modelName: options.model,
    seed: options.seed,
    student: options.epochs === undefined ? undefined : { epochs: options.epochs },
    distillation: distillationOf(options),
    missingValues: options.missing,
    csv: {
      delimiter: options.delimiter,
      header: options.header === false ? false : undefined,
      columnNames: options.columns,
      encoding: options.encoding,
    },
  };
}

function distillationOf(options: TrainOptions): PipelineConfigInput['distillation'] {
  if (options.temperature === undefined && options.alpha === undefined) return undefined;
  return { temperature: options.temperature, alpha: options.alpha };
}

function parseModelSpec(spec: string): [string, number | undefined] {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return [spec, undefined];
  return [spec.slice(0, at), positiveInt(spec.slice(at + 1))];
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

registerScoreCommand(program);
registerApiCommands(program);
registerKeyCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof InterruptedError) process.exit(130);
  console.error(describeCliError(error));
  process.exit(1);
});
