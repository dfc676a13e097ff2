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
import { column, withColumn, type Frame } from '../core/data/frame';
import { profileFrame } from '../core/data/profile';
import { readCsv } from '../core/data/read';
import { buildTextVocabulary, scoreTabularFeatures, selectTopK } from '../core/data/select';
import { stratifiedSplit } from '../core/data/split';
import { applyStandardizer, fitStandardizer } from '../core/data/standardize';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { rowsOfSplit, tabularColumns, type FeatureSelection, type PreparedTransform } from './prepared';

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

  /** Reads the CSV, stores a copy of it (the dataset of record), cleans it into Parquet. */
  async function clean({ config }: CleanInput): Promise<StepResult> {
    return asStep(async () => {
      const copy = await store.tempPath('csv');
      await copyFile(config.dataPath, copy).catch((error: NodeJS.ErrnoException) => {
        throw new DataNotFoundError(config.dataPath, error.code ?? error.message);
      });
      const dataset = await store.putFile('dataset', copy, 'csv');
      const { frame, report: read } = await readCsv(await store.localPath(dataset), {
        ...config.csv,
        missingValues: config.missingValues,
        sourceName: config.dataPath,
      });
      const features = config.features ?? frame.columns.filter((c) => c !== config.label && c !== config.text);
      const { frame: cleaned, report } = cleanFrame(frame, { label: config.label, text: config.text, features });
      const output = await writeFrame(store, 'cleaned', cleaned);
      const profile = profileFrame(cleaned);
      const anomalies = profile.columns.flatMap((c) => c.anomalies.map((a) => `${c.name}: ${a.message}`));
      const profileRef = await store.putJson('profile', profile);
      log.info('step finished', { step: 'clean', rowsIn: report.rowsIn, rowsOut: report.rowsOut });
      return { outputs: { dataset, cleaned: output, profile: profileRef }, summary: { ...report, read, anomalies } };
    });
  }

  /** Drops exact and normalised-text duplicates. */
  async function dedupe({ config, input }: DataStepInput): Promise<StepResult> {
    return asStep(async () => {
      const { frame, report } = dedupeFrame(await readFrame(store, input), { label: config.label, text: config.text });
      const output = await writeFrame(store, 'deduped', frame);
      log.info('step finished', { step: 'dedupe', rowsIn: report.rowsIn, rowsOut: report.rowsOut });
      return { outputs: { deduped: output }, summary: { ...report } };
    });
  }

  /** Splits (seeded, stratified), then fits the scaler and encoders on the training rows only. */
  async function standardize({ config, input }: DataStepInput): Promise<StepResult> {
    return asStep(async () => {
      const frame = await readFrame(store, input);
      const labels = column(frame, config.label).map((v) => String(v));
      const splits = stratifiedSplit(labels, { seed: config.seed, ...config.split });
      const withSplit = withColumn(frame, SPLIT_COLUMN, 'string', splits);
      const trainRows = rowsOfSplit(withSplit, 'train');
      const spec = columnRoles(frame, config);
      const fitted = fitStandardizer(withSplit, trainRows, spec);
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
      return { outputs, summary: { ...countSplits(splits), ...spec, classes: transform.labels } };
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
  const scores = scoreTabularFeatures(columns, labels, selection.tabularMethod);
  const selected = selectTopK(scores, selection.maxTabularFeatures).map((s) => s.name);
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
