/**
 * What the engine's tests share: a scratch folder with the engine's settings, the two chains (the
 * in-memory core as activities/data.ts chains it, and the engine over Parquet), and the comparison
 * of every step's output.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROW_ID_COLUMN, SPLIT_COLUMN } from '../../../../common/constants';
import { cleanFrame, type CleanSpec } from '../../../../core/data/clean';
import { dedupeFrame, type ConflictPolicy } from '../../../../core/data/dedupe';
import { quoteLiteral, withDuckDb } from '../../../../core/data/duckdb';
import {
  cleanCsv,
  dedupeParquet,
  selectFeaturesParquet,
  standardizeParquet,
  type EngineOptions,
} from '../../../../core/data/engine';
import { asNumber, isNumericType } from '../../../../core/data/engine/sql';
import { column, makeFrame, withColumn, type Cell, type ColumnType, type Frame } from '../../../../core/data/frame';
import { readCsv, type ReadOptions } from '../../../../core/data/read';
import { scoreTabularFeatures, selectTopK, type FeatureScore } from '../../../../core/data/select';
import { stratifiedSplit } from '../../../../core/data/split';
import { applyStandardizer, fitStandardizer } from '../../../../core/data/standardize';

export const SPLIT = { seed: 7, validation: 0.15, test: 0.15 };
const TOP_K = 4;

/** A scratch folder for one test file, removed after it, and the engine settings that spill there. */
export interface Workspace {
  readonly folder: string;
  readonly engine: EngineOptions;
  /** A fresh Parquet path in the folder, named after the step. */
  out(step: string): string;
}

/** Creates the folder before the file's tests and removes it after them. */
export function useWorkspace(prefix: string): Workspace {
  let folder = '';
  let counter = 0;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });
  return {
    get folder() {
      return folder;
    },
    get engine() {
      return { memoryLimit: '256MB', tempDirectory: path.join(folder, 'spill'), threads: 2 };
    },
    out: (step) => path.join(folder, `${step}-${++counter}.parquet`),
  };
}

export interface Case {
  file: string;
  spec: CleanSpec;
  read: Pick<ReadOptions, 'delimiter' | 'missingValues'>;
  /** Dedupe's conflict policy; default majority. */
  policy?: ConflictPolicy;
}

/** The in-memory chain of activities/data.ts: read, clean, dedupe, split, standardize, score. */
async function inMemory({ file, spec, read, policy }: Case) {
  const { frame } = await readCsv(file, read);
  const cleaned = cleanFrame(frame, spec);
  const deduped = dedupeFrame(cleaned.frame, { label: spec.label, text: spec.text, policy });
  const labels = column(deduped.frame, spec.label).map((v) => String(v));
  const withSplit = withColumn(deduped.frame, SPLIT_COLUMN, 'string', stratifiedSplit(labels, SPLIT));
  const trainRows = rowsWhere(column(withSplit, SPLIT_COLUMN), 'train');
  const roles = { numeric: [] as string[], categorical: [] as string[] };
  for (const name of deduped.frame.columns) {
    if (name === spec.label || name === spec.text || name === ROW_ID_COLUMN) continue;
    (deduped.frame.types[name] === 'number' ? roles.numeric : roles.categorical).push(name);
  }
  const transform = fitStandardizer(withSplit, trainRows, roles);
  const standardized = applyStandardizer(transform, withSplit);
  const reserved = new Set([spec.label, spec.text, ROW_ID_COLUMN, SPLIT_COLUMN]);
  const candidates = standardized.columns.filter((c) => !reserved.has(c) && standardized.types[c] === 'number');
  const trainLabels = trainRows.map((r) => String(column(standardized, spec.label)[r]));
  const columns = Object.fromEntries(
    candidates.map((name) => [name, trainRows.map((r) => column(standardized, name)[r] as number | null)]),
  );
  const scores = scoreTabularFeatures(columns, trainLabels, 'anova');
  const selected = selectTopK(scores, TOP_K).map((s) => s.name);
  return { cleaned, deduped, transform, standardized, scores, selected };
}

/** The engine chain over Parquet files. */
async function outOfCore({ out, engine }: Workspace, { file, spec, read, policy }: Case) {
  const paths = { cleaned: out('cleaned'), deduped: out('deduped'), standardized: out('standardized') };
  const clean = await cleanCsv({ csvPath: file, outputPath: paths.cleaned, spec, read, engine });
  const dedupe = await dedupeParquet({
    inputPath: paths.cleaned,
    outputPath: paths.deduped,
    spec: { label: spec.label, text: spec.text, policy },
    engine,
  });
  const standardize = await standardizeParquet({
    inputPath: paths.deduped,
    outputPath: paths.standardized,
    label: spec.label,
    text: spec.text,
    split: SPLIT,
    engine,
  });
  const select = await selectFeaturesParquet({
    inputPath: paths.standardized,
    label: spec.label,
    text: spec.text,
    maxTabularFeatures: TOP_K,
    engine,
  });
  return {
    clean,
    dedupe,
    standardize,
    select,
    cleaned: await readParquet(paths.cleaned),
    deduped: await readParquet(paths.deduped),
    standardized: await readParquet(paths.standardized),
  };
}

function rowsWhere(cells: readonly Cell[], value: string): number[] {
  return cells.flatMap((cell, row) => (cell === value ? [row] : []));
}

/** A Parquet file as a frame: numeric features (indicators too, true and false as 1 and 0) as numbers. */
export async function readParquet(file: string): Promise<Frame> {
  return withDuckDb(async (db) => {
    const result = await db.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    const names = result.columnNames();
    const types: Record<string, ColumnType> = {};
    result.columnTypes().forEach((t, i) => (types[names[i]!] = isNumericType(t.toString()) ? 'number' : 'string'));
    const columns = result.getColumnsJS();
    const values = Object.fromEntries(names.map((name, i) => [name, (columns[i] ?? []).map(asNumber) as Cell[]]));
    return makeFrame(names, types, values);
  });
}

/**
 * The same columns in the same order, excluded and explained alike, with F equal to 1e-9 relative:
 * the engine's within-class sums of squares come from DuckDB's one-pass `var_pop` (Welford), the
 * core's from a second pass over the cells, so the two can differ in the last bits.
 */
function expectSameScores(actual: readonly FeatureScore[], expected: readonly FeatureScore[]): void {
  const withoutScore = (scores: readonly FeatureScore[]) => scores.map(({ score: _score, ...rest }) => rest);
  expect(withoutScore(actual)).toEqual(withoutScore(expected));
  actual.forEach((score, i) => {
    const reference = expected[i]!.score;
    expect(Math.abs(score.score - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(reference)));
  });
}

/** Runs `input` through the core and through the engine and expects the same of every step. */
export async function expectSameResults(workspace: Workspace, input: Case): Promise<void> {
  const expected = await inMemory(input);
  const actual = await outOfCore(workspace, input);

  const { columns, ...cleanReport } = actual.clean;
  expect(cleanReport).toEqual(expected.cleaned.report);
  expect(columns).toEqual(
    expected.cleaned.frame.columns
      .filter((c) => c !== ROW_ID_COLUMN)
      .map((name) => ({
        name,
        type: expected.cleaned.frame.types[name],
      })),
  );
  expect(actual.cleaned).toEqual(expected.cleaned.frame);

  expect(actual.dedupe).toEqual(expected.deduped.report);
  expect(actual.deduped).toEqual(expected.deduped.frame);

  expect(actual.standardize.transform).toEqual(expected.transform);
  expect(actual.standardized).toEqual(expected.standardized);

  expectSameScores(actual.select.scores, expected.scores);
  expect(actual.select.selected).toEqual(expected.selected);
}
