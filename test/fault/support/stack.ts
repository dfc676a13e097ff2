/**
 * One scenario's Distillery deployment, every part a real process: a Temporal dev server, worker
 * processes from dist/, a throw-away PostgreSQL database, and an artifact home in a temp folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Client as PgClient } from 'pg';

import { parsePipelineConfig, type PipelineConfig } from '../../../common/config';
import { CPU_TASK_QUEUE, PIPELINE_WORKFLOW, PROGRESS_QUERY } from '../../../common/constants';
import type { PipelineProgress, PipelineResult, TrainingHeartbeat } from '../../../common/contracts';
import { createTestDatabase } from '../../support/postgres';
import { writeSmsSubset } from '../../support/sms-subset';
import { DevServer } from './dev-server';
import type { ManagedProcess } from './processes';
import { startWorker, type WorkerKind } from './worker-process';

/** Rows per class of the tiny SMS subset most scenarios train on. */
export const TINY_SUBSET = { ham: 60, spam: 40 };

/** How a stack is built. */
export interface StackOptions {
  /** Registry URL; default a fresh database on the machine's PostgreSQL, dropped on close. */
  readonly databaseUrl?: string;
  /** Workers started with the stack. Default both. */
  readonly workers?: readonly WorkerKind[];
  /** Rows per class of the SMS subset. Default {@link TINY_SUBSET}. */
  readonly subset?: Record<string, number>;
}

/** The live state of a pipeline run, as the CLI sees it. */
export interface RunSnapshot {
  readonly progress: PipelineProgress;
  readonly beat?: TrainingHeartbeat;
  readonly activity?: string;
  readonly attempt?: number;
}

/** A running deployment. */
export class Stack {
  readonly workers = new Map<WorkerKind, ManagedProcess>();
  private runs = 0;

  private constructor(
    readonly home: string,
    readonly server: DevServer,
    readonly client: Client,
    readonly databaseUrl: string,
    readonly dataPath: string,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  static async start(name: string, options: StackOptions = {}): Promise<Stack> {
    const home = await mkdtemp(join(tmpdir(), `distillery-fault-${name}-`));
    const database = options.databaseUrl
      ? { url: options.databaseUrl, drop: async () => undefined }
      : await createTestDatabase(`distillery_fault`);
    const server = await DevServer.start(home);
    const dataPath = await writeSmsSubset(home, options.subset ?? TINY_SUBSET);
    const stack = new Stack(home, server, await server.client(), database.url, dataPath, database.drop);
    for (const kind of options.workers ?? ['cpu', 'accelerator']) await stack.startWorker(kind);
    return stack;
  }

  /** Starts a worker process of `kind` (replacing the record of any earlier one). */
  async startWorker(kind: WorkerKind): Promise<ManagedProcess> {
    const env = { home: this.home, databaseUrl: this.databaseUrl, temporalAddress: this.server.address };
    const worker = await startWorker(kind, env);
    this.workers.set(kind, worker);
    return worker;
  }

  /** The live worker process of `kind`. */
  worker(kind: WorkerKind): ManagedProcess {
    const worker = this.workers.get(kind);
    if (!worker?.alive()) throw new Error(`no live ${kind} worker`);
    return worker;
  }

  /** A run configuration on the stack's data; `overrides` are merged into the raw config. */
  config(modelName: string, overrides: Record<string, unknown> = {}): PipelineConfig {
    const student = { epochs: 1, ...(overrides.student as object | undefined) };
    const raw = { dataPath: this.dataPath, label: 'label', text: 'text', modelName, triggeredBy: 'fault suite' };
    return parsePipelineConfig({ ...raw, ...overrides, student });
  }

  /** Starts a pipeline run. */
  async startRun(config: PipelineConfig): Promise<WorkflowHandle> {
    return this.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `fault-${config.modelName}-${++this.runs}-${Date.now()}`,
      args: [{ config, codeVersion: 'fault-suite' }],
    });
  }

  /** Runs a pipeline to its end. */
  async run(config: PipelineConfig): Promise<PipelineResult> {
    return (await this.startRun(config)).result() as Promise<PipelineResult>;
  }

  /** The run's progress query plus the heartbeat and attempt of its running activity. */
  async snapshot(handle: WorkflowHandle): Promise<RunSnapshot> {
    const progress = await handle.query<PipelineProgress>(PROGRESS_QUERY);
    const pending = (await handle.describe()).raw.pendingActivities?.[0];
    const payload = pending?.heartbeatDetails?.payloads?.[0];
    return {
      progress,
      beat: payload ? defaultPayloadConverter.fromPayload<TrainingHeartbeat>(payload) : undefined,
      activity: pending?.activityType?.name ?? undefined,
      attempt: pending?.attempt ?? undefined,
    };
  }

  /** Registered versions of a model, ascending. */
  async versions(modelName: string): Promise<number[]> {
    const rows = await this.query<{ version: number }>(
      'select v.version from model_versions v join models m on m.id = v.model_id where m.name = $1 order by 1',
      [modelName],
    );
    return rows.map((r) => Number(r.version));
  }

  /** Status of every recorded run of a model. */
  async runStatuses(modelName: string): Promise<string[]> {
    const rows = await this.query<{ status: string }>('select status from runs where model_name = $1 order by 1', [
      modelName,
    ]);
    return rows.map((r) => r.status);
  }

  /** Stops every process and removes what the stack created. */
  async close(): Promise<void> {
    for (const worker of this.workers.values()) await worker.stop('SIGTERM');
    await this.client.connection.close();
    await this.server.stop();
    await this.dropDatabase();
    if (process.env.FAULT_KEEP !== '1') await rm(this.home, { recursive: true, force: true });
  }

  private async query<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    const client = new PgClient({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
}
