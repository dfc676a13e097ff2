/**
 * Test support for the registry: a fresh database per test file on each driver, and realistic
 * registration inputs built from tiny, content-addressed fake artifacts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { sql } from 'drizzle-orm';

import type { ArtifactKind, StepName } from '../../../common/constants';
import type { ArtifactRef, StepRecord } from '../../../common/contracts';
import { openRegistry } from '../../../registry/db';
import type { Registry, RegistryDriver } from '../../../registry/db';
import type { RegisterInput } from '../../../registry/types';
import { createTestDatabase as createPostgresTestDatabase } from '../../support/postgres';

/** The drivers every behaviour runs against; set DISTILLERY_TEST_POSTGRES=skip to run PGlite only. */
export const DRIVERS: readonly RegistryDriver[] =
  process.env.DISTILLERY_TEST_POSTGRES === 'skip' ? ['pglite'] : ['pglite', 'postgres'];

/** Where a test registry lives; `open()` may be called several times (re-running migrations). */
export interface TestDatabase {
  readonly driver: RegistryDriver;
  open(): Promise<Registry>;
  destroy(): Promise<void>;
}

/** A fresh, empty database: a temp directory for PGlite, a new database for PostgreSQL. */
export async function createTestDatabase(driver: RegistryDriver): Promise<TestDatabase> {
  return driver === 'pglite' ? createPgliteDatabase() : createPostgresDatabase();
}

function createPgliteDatabase(): TestDatabase {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-registry-'));
  return {
    driver: 'pglite',
    open: () => openRegistry({ dataDir }),
    destroy: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const database = await createPostgresTestDatabase('distillery_test');
  return {
    driver: 'postgres',
    open: () => openRegistry({ databaseUrl: database.url, dataDir: os.tmpdir() }),
    destroy: database.drop,
  };
}

/** SHA-256 of a string, hex. */
export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A fake artifact whose hash is derived from `seed`, so equal seeds give the same artifact. */
export function artifact(kind: ArtifactKind, seed: string): ArtifactRef {
  const sha256 = sha(seed);
  return { uri: `file:///store/${sha256.slice(0, 2)}/${sha256}`, sha256, kind, bytes: seed.length * 100 };
}

function step(
  name: StepName,
  minute: number,
  inputs: Record<string, ArtifactRef>,
  outputs: Record<string, ArtifactRef>,
): StepRecord {
  const at = (m: number) => new Date(Date.UTC(2025, 0, 1, 12, m)).toISOString();
  return {
    step: name,
    inputs,
    outputs,
    params: { minute },
    summary: { rows: 100 - minute },
    startedAt: at(minute),
    finishedAt: at(minute + 1),
  };
}

/** Every artifact a registration built by {@link registerInput} refers to. */
export interface RunArtifacts {
  readonly dataset: ArtifactRef;
  readonly cleaned: ArtifactRef;
  readonly teacherHead: ArtifactRef;
  readonly student: ArtifactRef;
  readonly evaluation: ArtifactRef;
}

/** Artifacts of a run: the dataset is shared by every run with the same dataset seed. */
export function runArtifacts(runKey: string, datasetSeed = 'dataset-v1'): RunArtifacts {
  return {
    dataset: artifact('dataset', datasetSeed),
    cleaned: artifact('cleaned', `${datasetSeed}/cleaned`),
    teacherHead: artifact('teacherHead', `${runKey}/head`),
    student: artifact('student', `${runKey}/student`),
    evaluation: artifact('evaluation', `${runKey}/evaluation`),
  };
}

/** A complete registration of model `modelName` from the run `wf-${runKey}/run-${runKey}`. */
export function registerInput(modelName: string, runKey: string, datasetSeed?: string): RegisterInput {
  const a = runArtifacts(runKey, datasetSeed);
  return {
    modelName,
    run: {
      workflowId: `wf-${runKey}`,
      temporalRunId: `run-${runKey}`,
      configHash: sha(`config/${runKey}`),
      config: { modelName, label: 'label', seed: 42 },
      datasetUri: a.dataset.uri,
      datasetSha256: a.dataset.sha256,
      codeVersion: '1.0.0+abc123',
      triggeredBy: 'jest',
      startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0)).toISOString(),
    },
    steps: [
      step('clean', 0, { dataset: a.dataset }, { cleaned: a.cleaned }),
      step('loadTeacher', 1, { train: a.cleaned }, { head: a.teacherHead }),
      step('distill', 2, { train: a.cleaned, teacherHead: a.teacherHead }, { student: a.student }),
      step('evaluate', 3, { student: a.student, test: a.cleaned }, { evaluation: a.evaluation }),
    ],
    metrics: { macroF1: 0.91, accuracy: 0.93, perClass: { a: 0.9 } },
    gate: { passed: true, ratio: 0.97 },
    student: a.student,
    teacher: { name: 'use-lite', version: '1', sha256: sha('teacher') },
    features: { tabular: ['age'], text: 'review', vocabulary: 3000 },
  };
}

/** Counts rows of a registry table, optionally filtered by a raw SQL condition. */
export async function countRows(registry: Registry, table: string, where = 'true'): Promise<number> {
  const [row] = await queryRows<{ n: number }>(registry, `select count(*)::int as n from ${table} where ${where}`);
  return row?.n ?? 0;
}

/** Runs raw SQL; both drivers' results (node-postgres and PGlite) expose `rows`. */
export async function queryRows<T>(registry: Registry, statement: string): Promise<T[]> {
  const result = (await registry.db.execute(sql.raw(statement))) as { rows: T[] };
  return result.rows;
}
