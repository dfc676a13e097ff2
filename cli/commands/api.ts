/**
 * CLI commands that drive a running Distillery API: `runs`, `promote`, `schedule`, `predict`.
 * Each takes `--api-url` and `--api-key` (or `DISTILLERY_API_URL` / `DISTILLERY_API_KEY`) and prints
 * the API's JSON answer.
 */
import { readFile } from 'node:fs/promises';

import { type Command, InvalidArgumentError } from 'commander';

import { ApiClient, apiTarget } from '../api-client';

interface TargetOptions {
  apiUrl?: string;
  apiKey?: string;
}

interface RunOptions extends TargetOptions {
  data?: string;
  dataset?: string;
  label: string;
  text?: string;
  model: string;
  epochs?: number;
  taskQueue?: string;
  config?: string;
}

/** Adds the API commands to the program. */
export function registerApiCommands(program: Command): void {
  registerRuns(program);
  registerPromote(program);
  registerSchedule(program);
  registerPredict(program);
}

function registerRuns(program: Command): void {
  const runs = withTarget(program.command('runs').description('start and follow pipeline runs through the API'));
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--model <name>', 'only this model')
    .option('--status <status>', 'running, succeeded, failed or cancelled')
    .option('--limit <n>', 'most runs listed', positiveInt)
    .action(async (options: { model?: string; status?: string; limit?: number }, command: Command) => {
      const query = new URLSearchParams(Object.entries(options).map(([k, v]): [string, string] => [k, String(v)]));
      await print(command, 'GET', `/runs?${query.toString()}`);
    });
  withRunInput(
    runs.command('start').description('start a run on an uploaded dataset or a file of the data folder'),
  ).action(async (options: RunOptions, command: Command) => print(command, 'POST', '/runs', await runRequest(options)));
  runs
    .command('get')
    .description("a run's status, steps and registered version")
    .argument('<runId>')
    .action(async (runId: string, _: object, command: Command) => print(command, 'GET', `/runs/${enc(runId)}`));
  runs
    .command('cancel')
    .argument('<runId>')
    .action(async (runId: string, _: object, command: Command) => print(command, 'POST', `/runs/${enc(runId)}/cancel`));
  runs
    .command('retry')
    .description('start a new run with the configuration of a failed or cancelled one')
    .argument('<runId>')
    .action(async (runId: string, _: object, command: Command) => print(command, 'POST', `/runs/${enc(runId)}/retry`));
}

function registerPromote(program: Command): void {
  withTarget(program.command('promote'))
    .description('point an alias (default production) of a model at a version (admin key)')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number', positiveInt)
    .option('--alias <alias>', 'alias to move', 'production')
    .action(async (model: string, version: number, options: { alias: string }, command: Command) =>
      print(command, 'PUT', `/models/${enc(model)}/aliases/${enc(options.alias)}`, { version }),
    );
}

function registerSchedule(program: Command): void {
  const schedule = withTarget(program.command('schedule').description('retraining schedules through the API'));
  withRunInput(schedule.command('create').description('create a cron schedule of runs'))
    .argument('<scheduleId>')
    .requiredOption('--cron <spec>', "cron expression, e.g. '0 2 * * *'")
    .option('--overlap <policy>', 'skip, buffer_one, buffer_all, cancel_other, terminate_other, allow_all', 'skip')
    .option('--catchup <seconds>', 'catch-up window in seconds', positiveInt)
    .option('--auto-promote [alias]', 'promote a version that passes the gate and beats the alias (default production)')
    .action(async (scheduleId: string, options: ScheduleOptions, command: Command) => {
      const autoPromote =
        options.autoPromote === undefined ? {} : { autoPromote: { alias: aliasOf(options.autoPromote) } };
      const catchup = options.catchup === undefined ? {} : { catchupWindowSeconds: options.catchup };
      const body = { scheduleId, cron: options.cron, overlap: options.overlap, ...catchup, ...autoPromote };
      await print(command, 'POST', '/schedules', { ...body, run: await runRequest(options) });
    });
  schedule.command('list').action(async (_: object, command: Command) => print(command, 'GET', '/schedules'));
  for (const verb of ['pause', 'resume', 'trigger'] as const) {
    schedule
      .command(verb)
      .argument('<scheduleId>')
      .action(async (id: string, _: object, command: Command) =>
        print(command, 'POST', `/schedules/${enc(id)}/${verb}`),
      );
  }
  schedule
    .command('delete')
    .description('delete a schedule (admin key)')
    .argument('<scheduleId>')
    .action(async (id: string, _: object, command: Command) => print(command, 'DELETE', `/schedules/${enc(id)}`));
}

interface ScheduleOptions extends RunOptions {
  cron: string;
  overlap: string;
  catchup?: number;
  autoPromote?: string | boolean;
}

function registerPredict(program: Command): void {
  withTarget(program.command('predict'))
    .description('predict records with a served model version')
    .argument('<model>', 'model name')
    .option('--record <json>', 'one record as JSON, e.g. \'{"text":"win a prize"}\'')
    .option('--records <file>', 'a JSON file holding an array of records')
    .option('--alias <alias>', 'serve the version this alias names (default production)')
    .option('--model-version <n>', 'serve this version', positiveInt)
    .action(async (model: string, options: PredictOptions, command: Command) => {
      const records = options.records
        ? JSON.parse(await readFile(options.records, 'utf8'))
        : [parseJson(options.record)];
      const selector =
        options.modelVersion === undefined ? { alias: options.alias } : { version: options.modelVersion };
      await print(command, 'POST', `/models/${enc(model)}/predict`, { ...selector, records });
    });
}

interface PredictOptions {
  record?: string;
  records?: string;
  alias?: string;
  modelVersion?: number;
}

function withTarget(command: Command): Command {
  return command
    .option('--api-url <url>', 'URL of the Distillery API (default: $DISTILLERY_API_URL)')
    .option('--api-key <key>', 'API key (default: $DISTILLERY_API_KEY)');
}

function withRunInput(command: Command): Command {
  return command
    .option('--data <path>', 'CSV file, relative to the API data folder')
    .option('--dataset <sha256>', 'an uploaded dataset')
    .requiredOption('--label <column>', 'label column')
    .option('--text <column>', 'free-text column')
    .option('--model <name>', 'registered model name', 'model')
    .option('--epochs <n>', 'student training epochs', positiveInt)
    .option('--task-queue <queue>', 'task queue of the pipeline workflow')
    .option('--config <file>', 'JSON file with further configuration fields');
}

async function runRequest(options: RunOptions): Promise<Record<string, unknown>> {
  const extra = options.config ? (JSON.parse(await readFile(options.config, 'utf8')) as Record<string, unknown>) : {};
  const config = {
    ...extra,
    label: options.label,
    modelName: options.model,
    ...(options.text ? { text: options.text } : {}),
    ...(options.data ? { dataPath: options.data } : {}),
    ...(options.epochs === undefined ? {} : { student: { ...(extra.student as object), epochs: options.epochs } }),
  };
  return {
    config,
    ...(options.dataset ? { datasetSha256: options.dataset } : {}),
    ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
  };
}

async function print(command: Command, method: string, path: string, body?: unknown): Promise<void> {
  const client = new ApiClient(apiTarget(command.optsWithGlobals<TargetOptions>()));
  const answer = await client.request<unknown>(method, path, body);
  if (answer !== undefined) console.log(JSON.stringify(answer, null, 2));
}

function aliasOf(option: string | boolean): string {
  return typeof option === 'string' ? option : 'production';
}

function parseJson(text: string | undefined): unknown {
  if (!text) throw new InvalidArgumentError('give --record <json> or --records <file>');
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`--record is not JSON: ${text}`);
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
