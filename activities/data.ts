/**
 * The four data steps (CPU task queue): clean → dedupe → standardize → select features.
 * Each reads its input artifact, calls the pure core, and writes a Parquet or JSON artifact.
 */
import { copyFile } from 'node:fs/promises';

import { log } from '@temporalio/activity';

import { ROW_ID_COLUMN, SPLIT_COLUMN, type SplitName } from '../common/constants';
import type { PipelineConfig } from '../common/config';
import type { ArtifactRef, StepResult } from '../common/contracts';
import { DataNotFoundError } from '../common/errors';
import { readFrame, writeFrame } from '../artifacts/parquet';
import { cleanFrame } from '../core/data/clean';
import { dedupeFrame } from '../core/data/dedupe';
import { column, takeRows, withColumn, type Frame } from '../core/data/frame';
import { readTable, type TableReadOptions } from '../core/data/formats';
import { profileFrame } from '../core/data/profile';
import { buildTextVocabulary, selectTabular } from '../core/data/select';
import { MIN_MAIN_ROWS_PER_CLASS, splitWithOfficialTest } from '../core/data/official-split';
import { MIN_ROWS_PER_CLASS, stratifiedSplit } from '../core/data/split';
import { applyStandardizer, fitStandardizer, normalizeLabels } from '../core/data/standardize';
import type { ActivityDeps } from './deps';
import { checkDrift } from './drift';
import { asStep } from './failures';
import { withinSummaryBudget } from './summary-budget';
import { concatFrames, dedupeTwoFiles, SOURCE_COLUMN, testRowMask, withoutColumns, withSource } from './official-test';
import { frameSchema, rowsOfSplit, tabularColumns, type FeatureSelection, type PreparedTransform } from './prepared';

/** Input of `clean`: the run configuration (it names the data file). */
export interface CleanInput {
  readonly config: PipelineConfig;
}

/** Input of the steps that read one artifact of the previous step. */
export interface DataStepInput {
  readonly config: PipelineConfig;
  readonly input: ArtifactRef;
}

/** Creates the data-step activities over the injected store. */
export function createDataActivities(deps: ActivityDeps) {
  const { store } = deps;

  /** Stores a copy of a data file (the dataset of record) and reads it into a frame. */
  async function readDataset(path: string, options: Omit<TableReadOptions, 'sourceName'>) {
    const copy = await store.tempPath('data');
    await copyFile(path, copy).catch((error: NodeJS.ErrnoException) => {
      throw new DataNotFoundError(path, error.code ?? error.message);
    });
    const dataset = await store.putFile('dataset', copy, datasetExtension(path));
    const read = await readTable(await store.localPath(dataset), { ...options, sourceName: path });
    return { dataset, ...read };
  }

  /**
   * Reads the data file (CSV/TSV, Parquet or JSON Lines, optionally gzip), stores a copy of it (the
   * dataset of record), cleans it into Parquet, profiles it, and compares the profile with the one of
   * the latest registered version of the same model (drift; fails per `config.drift.policy`).
   * With `config.testDataPath`, the test file is read the same way and appended, each row marked
   * with its file in `SOURCE_COLUMN`; the summary counts the rows kept from each.
   */
  async function clean({ config }: CleanInput): Promise<StepResult> {
    return asStep(async () => {
      const options = { ...config.csv, missingValues: config.missingValues };
      const main = await readDataset(config.dataPath, options);
      const test = config.testDataPath ? await readDataset(config.testDataPath, options) : undefined;
      const frame = test ? concatFrames(main.frame, test.frame) : main.frame;
      const read = test ? { ...main.report, test: test.report } : main.report;
      const dataset = main.dataset;
      const identifiers = new Set(read.identifiers.map((i) => i.name));
      const features =
        config.features ?? frame.columns.filter((c) => c !== config.label && c !== config.text && !identifiers.has(c));
      const { frame: cleanedRows, report } = cleanFrame(frame, {
        label: config.label,
        text: config.text,
        features,
        missing: config.cleaning.missing,
        redactPii: config.cleaning.redactPii,
      });
      const cleaned = test ? withSource(cleanedRows, main.frame.rowCount) : cleanedRows;
      const output = await writeFrame(store, 'cleaned', cleaned);
      const profile = profileFrame(withoutRowId(cleaned));
      const anomalies = profile.columns.flatMap((c) => c.anomalies.map((a) => `${c.name}: ${a.message}`));
      const profileRef = await store.putJson('profile', profile);
      const drift = await checkDrift(deps, config, profile);
      log.info('step finished', { step: 'clean', rowsIn: report.rowsIn, rowsOut: report.rowsOut });
      const sources = test ? { sources: countSources(cleaned) } : {};
      const summary = { ...report, ...sources, read, anomalies, drift, schema: frameSchema(cleaned) };
      const outputs: Record<string, ArtifactRef> = { dataset, cleaned: output, profile: profileRef };
      if (test) outputs.testDataset = test.dataset;
      return withinSummaryBudget(store, { outputs, summary });
    });
  }

  /**
   * Drops exact, normalised-text and (when configured) near-duplicate rows; resolves label conflicts.
   * With a test file, each file is deduped on its own and main-file rows repeating a test row are
   * dropped and reported (`crossFile`), so the published test split is never trained on or thinned.
   */
  async function dedupe({ config, input }: DataStepInput): Promise<StepResult> {
    return asStep(async () => {
      const { dedupe: options } = config;
      const near = options.nearDuplicates ? { ...options, seed: config.seed } : undefined;
      const spec = { label: config.label, text: config.text, policy: options.conflictPolicy, near };
      const read = await readFrame(store, input);
      const twoFiles = read.columns.includes(SOURCE_COLUMN);
      const { frame, report } = twoFiles ? dedupeTwoFiles(read, spec) : dedupeFrame(read, spec);
      const output = await writeFrame(store, 'deduped', frame);
      log.info('step finished', { step: 'dedupe', rowsIn: report.rowsIn, rowsOut: report.rowsOut });
      return withinSummaryBudget(store, {
        outputs: { deduped: output },
        summary: { ...report, schema: frameSchema(frame) },
      });
    });
  }

  /**
   * Splits (seeded, stratified), then fits the scaler and encoders on the training rows only. With a
   * test file, its rows are the test split and validation is carved from the main file's rows.
   */
  async function standardize({ config, input }: DataStepInput): Promise<StepResult> {
    return asStep(async () => {
      const prepared = prepareLabels(await readFrame(store, input), config);
      const { labels, labelMapping, droppedClasses } = prepared;
      const twoFiles = prepared.frame.columns.includes(SOURCE_COLUMN);
      const splits = twoFiles
        ? splitWithOfficialTest(labels, testRowMask(prepared.frame), { seed: config.seed, ...config.split })
        : stratifiedSplit(labels, { seed: config.seed, ...config.split });
      const frame = withoutColumns(prepared.frame, [SOURCE_COLUMN]);
      const withSplit = withColumn(frame, SPLIT_COLUMN, 'string', splits);
      const trainRows = rowsOfSplit(withSplit, 'train');
      const spec = columnRoles(frame, config);
      const { scaling, minCategoryCount } = config.standardize;
      const fitted = fitStandardizer(withSplit, trainRows, {
        ...spec,
        scaling,
        minCategoryCount,
        impute: config.cleaning.impute,
      });
      const transform: PreparedTransform = {
        label: config.label,
        text: config.text ?? null,
        labels: classesOf(labels),
        fitted,
        ...(config.cleaning.redactPii ? { redactPii: true } : {}),
      };
      const standardized = applyStandardizer(fitted, withSplit);
      const outputs = {
        standardized: await writeFrame(store, 'standardized', standardized),
        transform: await store.putJson('transform', transform),
      };
      const steps = { scaling, impute: config.cleaning.impute, labelMapping, droppedClasses };
      const schema = frameSchema(standardized);
      const summary = { ...countSplits(splits), ...spec, classes: transform.labels, ...steps, schema };
      return withinSummaryBudget(store, { outputs, summary });
    });
  }

  /** Scores tabular columns and builds the text vocabulary, on the training rows only. */
  async function selectFeatures({ config, input }: DataStepInput): Promise<StepResult> {
    return asStep(async () => {
      const frame = await readFrame(store, input);
      const trainRows = rowsOfSplit(frame, 'train');
      const labels = trainRows.map((r) => String(column(frame, config.label)[r]));
      const selection = selectFrom(frame, trainRows, labels, config);
      const output = await store.putJson('featureSelection', selection);
      const summary = {
        tabularMethod: selection.tabular.method,
        tabularSelected: selection.tabular.selected,
        tabularScores: selection.tabular.scores.slice(0, 20),
        vocabularySize: selection.text.terms.length,
        topTerms: selection.text.terms.slice(0, 10).map((t) => t.term),
      };
      return withinSummaryBudget(store, { outputs: { featureSelection: output }, summary });
    });
  }

  return { clean, dedupe, standardize, selectFeatures };
}

/** The stored dataset copy keeps the input's extension, so the artifact says what format it holds. */
function datasetExtension(dataPath: string): string {
  const match = /\.(csv|tsv|txt|data|parquet|jsonl|ndjson|json)(\.gz)?$/i.exec(dataPath);
  return match ? match[0].slice(1).toLowerCase() : 'csv';
}

/** The frame without its bookkeeping columns (row id, source file), whose statistics say nothing. */
function withoutRowId(frame: Frame): Frame {
  return withoutColumns(frame, [ROW_ID_COLUMN, SOURCE_COLUMN]);
}

/** Cleaned rows from each file. */
function countSources(frame: Frame): { main: number; test: number } {
  const test = testRowMask(frame).filter(Boolean).length;
  return { main: frame.rowCount - test, test };
}

/**
 * Applies the label case rule (mapping recorded), then drops the rows of classes too small to
 * stratify when `standardize.dropRareClasses` is set (each named in a warning); otherwise the
 * split fails on them with a SplitError. With a test file, a class's size is its main-file rows.
 */
function prepareLabels(input: Frame, config: PipelineConfig) {
  const normalised = normalizeLabels(column(input, config.label).map(String), config.standardize.labelCase);
  const relabelled = Object.keys(normalised.mapping).length > 0;
  let frame = relabelled ? withColumn(input, config.label, 'string', normalised.labels) : input;
  const twoFiles = input.columns.includes(SOURCE_COLUMN);
  const isTest = twoFiles ? testRowMask(input) : [];
  const minimum = twoFiles ? MIN_MAIN_ROWS_PER_CLASS : MIN_ROWS_PER_CLASS;
  const counts = new Map<string, number>();
  normalised.labels.forEach((l, row) => counts.set(l, (counts.get(l) ?? 0) + (isTest[row] ? 0 : 1)));
  const small = [...counts].filter(([, n]) => n < minimum).map(([name, count]) => ({ class: name, count }));
  const droppedClasses = config.standardize.dropRareClasses ? small.sort((a, b) => (a.class < b.class ? -1 : 1)) : [];
  if (droppedClasses.length > 0) {
    const dropped = new Set(droppedClasses.map((c) => c.class));
    frame = takeRows(
      frame,
      normalised.labels.flatMap((l, row) => (dropped.has(l) ? [] : [row])),
    );
    log.warn('classes too small to stratify were dropped', { classes: droppedClasses, minimum });
  }
  const labels = column(frame, config.label).map(String);
  return { frame, labels, labelMapping: normalised.mapping, droppedClasses };
}

function columnRoles(frame: Frame, config: PipelineConfig): { numeric: string[]; categorical: string[] } {
  const roles = { numeric: [] as string[], categorical: [] as string[] };
  for (const name of frame.columns) {
    if (name === config.label || name === config.text || name === ROW_ID_COLUMN) continue;
    (frame.types[name] === 'number' ? roles.numeric : roles.categorical).push(name);
  }
  return roles;
}

function classesOf(labels: readonly string[]): string[] {
  return [...new Set(labels)].sort();
}

function countSplits(splits: readonly SplitName[]): Record<string, number> {
  const counts: Record<string, number> = { train: 0, validation: 0, test: 0 };
  splits.forEach((s) => counts[s]!++);
  return counts;
}

function selectFrom(frame: Frame, trainRows: number[], labels: string[], config: PipelineConfig): FeatureSelection {
  const { selection } = config;
  const candidates = tabularColumns(frame, config);
  const columns = Object.fromEntries(
    candidates.map((name) => [name, trainRows.map((r) => column(frame, name)[r] as number | null)]),
  );
  const { scores, selected } = selectTabular(columns, labels, {
    method: selection.tabularMethod,
    mode: selection.mode,
    k: selection.maxTabularFeatures,
    percentile: selection.percentile,
    scoreThreshold: selection.scoreThreshold,
    varianceThreshold: selection.varianceThreshold,
    maxCorrelation: selection.maxCorrelation,
  });
  const texts = config.text ? trainRows.map((r) => String(column(frame, config.text!)[r] ?? '')) : [];
  const text = config.text
    ? buildTextVocabulary(texts, labels, {
        ngramMax: selection.ngramMax,
        minDocumentFrequency: selection.minDocumentFrequency,
        maxVocabulary: selection.maxVocabulary,
      })
    : { terms: [] };
  return {
    tabular: { method: selection.tabularMethod, selected, scores },
    text: { ngramMax: selection.ngramMax, ...text },
  };
}
