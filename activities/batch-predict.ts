/**
 * `batchPredict` (CPU task queue): scores every row of a CSV file with a registered model version
 * (`name@version`, `name@alias` or `name` for the latest) and writes the predictions as a Parquet
 * artifact: the row id, the decided label (the bundle's calibrated decision rule) and one
 * probability column per class. The student needs no ML backend, so this runs on the CPU queue.
 */
import { log } from '@temporalio/activity';

import { writeFrame } from '../artifacts/parquet';
import type { ArtifactStore } from '../artifacts/store';
import type { ArtifactRef, StepResult } from '../common/contracts';
import { InvalidConfigError } from '../common/errors';
import { createBundlePredictor, decide, type RawRecord, type StudentBundle } from '../core/bundle';
import { column, makeFrame, type ColumnType, type Frame } from '../core/data/frame';
import { readCsv, type ReadOptions } from '../core/data/read';
import type { Registry } from '../registry/db';
import { RegistryError } from '../registry/errors';
import { getLineage, listModelVersions, resolveAlias } from '../registry/repository';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { beat } from './heartbeat';

/** Input of `batchPredict` and of the batch-prediction workflow. */
export interface BatchPredictInput {
  /** `name@version`, `name@alias` or `name` (its latest version). */
  readonly model: string;
  /** Absolute path of the CSV file to score. */
  readonly dataPath: string;
  /** Column whose values identify the rows in the output; default: the 0-based row number. */
  readonly idColumn?: string;
  /** How to read the file; unset fields are detected. */
  readonly csv?: Pick<ReadOptions, 'delimiter' | 'header' | 'encoding' | 'columnNames' | 'missingValues'>;
}

/** What `batchPredict` reports besides the predictions artifact. */
export interface BatchPredictSummary {
  readonly modelName: string;
  readonly version: number;
  readonly rows: number;
  readonly classes: readonly string[];
  /** Rows decided as each class. */
  readonly predicted: Readonly<Record<string, number>>;
}

/** Column names of the predictions artifact; probabilities are `p_<class>` per class. */
export const PREDICTION_ID_COLUMN = 'row_id';
export const PREDICTION_LABEL_COLUMN = 'label';

/** Rows scored between heartbeats. */
const CHUNK = 2000;

/** Creates the batch-prediction activity. */
export function createBatchPredictActivities(deps: ActivityDeps) {
  /** Scores the file with the registered version and stores the predictions. */
  async function batchPredict(input: BatchPredictInput): Promise<StepResult<BatchPredictSummary>> {
    return asStep(async () => {
      const { name, version } = await resolveModel(await deps.registry(), input.model);
      const bundle = await loadBundle(await deps.registry(), deps.store, name, version);
      const { frame } = await readCsv(input.dataPath, { ...input.csv, sourceName: input.dataPath });
      const ids = rowIds(frame, input.idColumn);
      const probabilities = score(bundle, frame);
      const predictions = predictionsFrame(bundle, ids, probabilities);
      const ref = await writeFrame(deps.store, 'predictions', predictions);
      const summary = { modelName: name, version, rows: frame.rowCount, classes: bundle.transform.labels };
      const predicted = countLabels(column(predictions, PREDICTION_LABEL_COLUMN), bundle.transform.labels);
      log.info('batch scored', { model: `${name}@${version}`, rows: frame.rowCount });
      return { outputs: { predictions: ref }, summary: { ...summary, predicted } };
    });
  }

  return { batchPredict };
}

/**
 * The version a reference names.
 * @throws InvalidConfigError for a malformed reference; RegistryError ('not found') for an unknown
 * model, version or unset alias.
 */
export async function resolveModel(registry: Registry, reference: string): Promise<{ name: string; version: number }> {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]{0,99})(?:@(\d+|[a-z][a-z0-9_-]{0,62}))?$/.exec(reference);
  if (!match) throw new InvalidConfigError('model', `'${reference}' is not name, name@version or name@alias`);
  const [, name, tag] = match as unknown as [string, string, string | undefined];
  if (tag === undefined) {
    const [latest] = await listModelVersions(registry, name);
    if (!latest) throw new RegistryError(`model '${name}' not found in the registry`, { reason: 'not found', name });
    return { name, version: latest.version };
  }
  if (/^\d+$/.test(tag)) return { name, version: Number(tag) };
  const version = await resolveAlias(registry, name, tag);
  if (version === null) {
    throw new RegistryError(`model '${name}' has no alias '${tag}'`, { reason: 'not found', name, alias: tag });
  }
  return { name, version };
}

/** The registered student bundle, read through the store (which checks its SHA-256). */
async function loadBundle(registry: Registry, store: ArtifactStore, name: string, version: number) {
  const lineage = await getLineage(registry, name, version);
  const ref: ArtifactRef = { uri: lineage.student.uri, sha256: lineage.student.sha256, kind: 'student', bytes: 0 };
  return store.getJson<StudentBundle>(ref);
}

function rowIds(frame: Frame, idColumn: string | undefined): { type: ColumnType; values: (string | number)[] } {
  if (idColumn === undefined) return { type: 'number', values: Array.from({ length: frame.rowCount }, (_, i) => i) };
  if (!frame.columns.includes(idColumn)) {
    throw new InvalidConfigError(
      'idColumn',
      `the file has no column '${idColumn}'; columns: ${frame.columns.join(', ')}`,
    );
  }
  const values = column(frame, idColumn).map((v, i) => v ?? `row ${i}`);
  return {
    type: frame.types[idColumn] === 'number' && values.every((v) => typeof v === 'number') ? 'number' : 'string',
    values,
  };
}

function score(bundle: StudentBundle, frame: Frame): Float64Array[] {
  const predict = createBundlePredictor(bundle);
  const out: Float64Array[] = [];
  for (let start = 0; start < frame.rowCount; start += CHUNK) {
    const records: RawRecord[] = [];
    for (let r = start; r < Math.min(frame.rowCount, start + CHUNK); r++) {
      records.push(Object.fromEntries(frame.columns.map((c) => [c, frame.values[c]![r] ?? null])));
    }
    out.push(...predict(records));
    beat({ phase: 'scoring', done: out.length, total: frame.rowCount });
  }
  return out;
}

function predictionsFrame(
  bundle: StudentBundle,
  ids: { type: ColumnType; values: (string | number)[] },
  probabilities: readonly Float64Array[],
): Frame {
  const classes = bundle.transform.labels;
  const probabilityColumns = classes.map((c) => `p_${c}`);
  const columns = [PREDICTION_ID_COLUMN, PREDICTION_LABEL_COLUMN, ...probabilityColumns];
  const types: Record<string, ColumnType> = { [PREDICTION_ID_COLUMN]: ids.type, [PREDICTION_LABEL_COLUMN]: 'string' };
  const values: Record<string, (string | number)[]> = {
    [PREDICTION_ID_COLUMN]: ids.values,
    [PREDICTION_LABEL_COLUMN]: probabilities.map((p) => classes[decide(bundle.decision, p)]!),
  };
  probabilityColumns.forEach((name, k) => {
    types[name] = 'number';
    values[name] = probabilities.map((p) => p[k]!);
  });
  return makeFrame(columns, types, values);
}

function countLabels(labels: readonly unknown[], classes: readonly string[]): Record<string, number> {
  const counts = Object.fromEntries(classes.map((c) => [c, 0]));
  labels.forEach((l) => (counts[String(l)] = (counts[String(l)] ?? 0) + 1));
  return counts;
}
