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
import { column, makeFrame, takeRows, withColumn, type Frame } from '../core/data/frame';
import { readTable } from '../core/data/formats';
import { profileFrame } from '../core/data/profile';
import { buildTextVocabulary, selectTabular } from '../core/data/select';
import { MIN_ROWS_PER_CLASS, stratifiedSplit } from '../core/data/split';
import { applyStandardizer, fitStandardizer, normalizeLabels } from '../core/data/standardize';
import type { ActivityDeps } from './deps';
import { checkDrift } from './drift';
import { asStep } from './failures';
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

  /**
   * Reads the data file (CSV/TSV, Parquet or JSON Lines, optionally gzip), stores a copy of it (the
   * dataset of record), cleans it into Parquet, profiles it, and compares the profile with the one of
   * the latest registered version of the same model (drift; fails per `config.drift.policy`).
   */
  async function clean({ config }: CleanInput): Promise<StepResult> {
    return asStep(async () => {
      const copy = await store.tempPath('data');
      await copyFile(config.dataPath, copy).catch((error: NodeJS.ErrnoException) => {
        throw new DataNotFoundError(config.dataPath, error.code ?? error.message);
      });
      const dataset = await store.putFile('dataset', copy, datasetExtension(config.dataPath));
      const { frame, report: read } = await readTable(await store.localPath(dataset), {
        ...config.csv,
        missingValues: config.missingValues,
        sourceName: config.dataPath,
      });
      const identifiers = new Set(read.identifiers.map((i) => i.name));
      const features =
        config.features ?? frame.columns.filter((c) => c !== config.label && c !== config.text && !identifiers.has(c));
      const { frame: cleaned, report } = cleanFrame(frame, {
        label: config.label,
        text: config.text,
        features,
        missing: config.cleaning.missing,
        redactPii: config.cleaning.redactPii,
      });
      const output = await writeFrame(store, 'cleaned', cleaned);
      const profile = profileFrame(withoutRowId(cleaned));
      const anomalies = profile.columns.flatMap((c) => c.anomalies.map((a) => `${c.name}: ${a.message}`));
      const profileRef = await store.putJson('profile', profile);
      const drift = await checkDrift(deps, config, profile);
      log.info('step finished', { step: 'clean', rowsIn: report.rowsIn, rowsOut: report.rowsOut });
      const summary = { ...report, read, anomalies, drift, schema: frameSchema(cleaned) };
      return { outputs: { dataset, cleaned: output, profile: profileRef }, summary };
    });
  }

  /** Drops exact, normalised-text and (when configured) near-duplicate rows; resolves label conflicts. */
  async function dedupe({ config, input }: DataStepInput): Promise<StepResult> {
    return asStep(async () => {
      const { dedupe: options } = config;
      const near = options.nearDuplicates ? { ...options, seed: config.seed } : undefined;
      const spec = { label: config.label, text: config.text, policy: options.conflictPolicy, near };
      const { frame, report } = dedupeFrame(await readFrame(store, input), spec);
      const output = await writeFrame(store, 'deduped', frame);
      log.info('step finished', { step: 'dedupe', rowsIn: report.rowsIn, rowsOut: report.rowsOut });
      return { outputs: { deduped: output }, summary: { ...report, schema: frameSchema(frame) } };
    });
  }

  /** Splits (seeded, stratified), then fits the scaler and encoders on the training rows only. */
  async function standardize({ config, input }: DataStepInput): Promise<StepResult> {
    return asStep(async () => {
      const { frame, labels, labelMapping, droppedClasses } = prepareLabels(await readFrame(store, input), config);
      const splits = stratifiedSplit(labels, { seed: config.seed, ...config.split });
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
      };
      const standardized = applyStandardizer(fitted, withSplit);
      const outputs = {
        standardized: await writeFrame(store, 'standardized', standardized),
        transform: await store.putJson('transform', transform),
      };
      const steps = { scaling, impute: config.cleaning.impute, labelMapping, droppedClasses };
      const schema = frameSchema(standardized);
      return { outputs, summary: { ...countSplits(splits), ...spec, classes: transform.labels, ...steps, schema } };
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
      return { outputs: { featureSelection: output }, summary };
    });
  }

  return { clean, dedupe, standardize, selectFeatures };
}

/** The stored dataset copy keeps the input's extension, so the artifact says what format it holds. */
function datasetExtension(dataPath: string): string {
  const match = /\.(csv|tsv|txt|data|parquet|jsonl|ndjson|json)(\.gz)?$/i.exec(dataPath);
  return match ? match[0].slice(1).toLowerCase() : 'csv';
}

/** The frame without its bookkeeping row id, whose statistics say nothing about the data. */
function withoutRowId(frame: Frame): Frame {
  const names = frame.columns.filter((c) => c !== ROW_ID_COLUMN);
  const pick = <T>(record: Readonly<Record<string, T>>) => Object.fromEntries(names.map((n) => [n, record[n]!]));
  return makeFrame(names, pick(frame.types), pick(frame.values));
}

/**
 * Applies the label case rule (mapping recorded), then drops the rows of classes too small to
 * stratify when `standardize.dropRareClasses` is set (each named in a warning); otherwise the
 * split fails on them with a SplitError.
 */
function prepareLabels(input: Frame, config: PipelineConfig) {
  const normalised = normalizeLabels(column(input, config.label).map(String), config.standardize.labelCase);
  const relabelled = Object.keys(normalised.mapping).length > 0;
  let frame = relabelled ? withColumn(input, config.label, 'string', normalised.labels) : input;
  const counts = new Map<string, number>();
  normalised.labels.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
  const small = [...counts].filter(([, n]) => n < MIN_ROWS_PER_CLASS).map(([name, count]) => ({ class: name, count }));
  const droppedClasses = config.standardize.dropRareClasses ? small.sort((a, b) => (a.class < b.class ? -1 : 1)) : [];
  if (droppedClasses.length > 0) {
    const dropped = new Set(droppedClasses.map((c) => c.class));
    frame = takeRows(
      frame,
      normalised.labels.flatMap((l, row) => (dropped.has(l) ? [] : [row])),
    );
    log.warn('classes too small to stratify were dropped', { classes: droppedClasses, minimum: MIN_ROWS_PER_CLASS });
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
