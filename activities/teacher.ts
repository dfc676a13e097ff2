/**
 * `loadTeacher` (accelerator task queue): embeds every text with the frozen pretrained encoder
 * (cached by teacher and text), fits the teacher's classification head on the training split
 * (transfer learning on frozen embeddings plus the selected tabular features), and writes the
 * teacher's logits for every row.
 */
import * as tf from '@tensorflow/tfjs';
import { log } from '@temporalio/activity';

import { ROW_ID_COLUMN } from '../common/constants';
import type { PipelineConfig } from '../common/config';
import type { ArtifactRef, StepResult } from '../common/contracts';
import { readFrame, writeFrame } from '../artifacts/parquet';
import { column, makeFrame, type Frame } from '../core/data/frame';
import { initBackend } from '../core/ml/backend';
import { denseRow, encodeWeights, type MlpShape } from '../core/ml/mlp';
import type { SparseRow } from '../core/ml/student/features';
import type { SentenceEncoder, TeacherIdentity } from '../core/ml/teacher/types';
import { predictBatched, trainMlp } from '../core/ml/train-mlp';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { beat } from './heartbeat';
import {
  labelIndices,
  rowsOfSplit,
  tabularMatrix,
  textsOf,
  type FeatureSelection,
  type PreparedTransform,
} from './prepared';

/** Input of `loadTeacher`. */
export interface TeacherInput {
  readonly config: PipelineConfig;
  readonly standardized: ArtifactRef;
  readonly transform: ArtifactRef;
  readonly featureSelection: ArtifactRef;
}

/** The teacher's head as stored: enough to score new records given their embeddings. */
export interface StoredTeacherHead {
  readonly format: 'distillery-teacher-head/1';
  readonly teacher: SentenceEncoder['identity'];
  readonly tabular: readonly string[];
  readonly classes: readonly string[];
  readonly shape: MlpShape;
  readonly weights: ReturnType<typeof encodeWeights>;
}

/** The summary `loadTeacher` returns; `teacher` goes into lineage. */
export interface TeacherSummary {
  readonly teacher: TeacherIdentity;
  readonly [key: string]: unknown;
}

/** Epochs without a better validation loss before the head stops training. */
const HEAD_PATIENCE = 8;

/** Creates the teacher activity. */
export function createTeacherActivities(deps: ActivityDeps) {
  /** Embeds, fits the head, writes logits for every row. */
  async function loadTeacher(input: TeacherInput): Promise<StepResult<TeacherSummary>> {
    return asStep(async () => {
      const backend = await initBackend();
      const tensorsBefore = tf.memory().numTensors;
      const frame = await readFrame(deps.store, input.standardized);
      const transform = await deps.store.getJson<PreparedTransform>(input.transform);
      const selection = await deps.store.getJson<FeatureSelection>(input.featureSelection);
      const encoder = await deps.teacher();
      const { vectors, embedReport } = await embedAll(deps, encoder, frame, transform, input.config.teacher.batchSize);
      const rows = teacherRows(frame, vectors, selection.tabular.selected);
      const head = await fitHead(frame, rows, transform, input.config);
      const logits = predictBatched(head.weights, head.shape, rows, 'logits');
      const outputs = {
        teacherLogits: await writeFrame(deps.store, 'teacherLogits', logitsFrame(frame, logits, transform.labels)),
        teacherHead: await deps.store.putJson('teacherHead', storedHead(encoder, selection, transform, head)),
      };
      const tensorsAfter = tf.memory().numTensors;
      log.info('step finished', { step: 'loadTeacher', backend: backend.name, epochs: head.epochs });
      const summary = { teacher: encoder.identity, backend: backend.name, ...embedReport, head: head.report };
      return { outputs, summary: { ...summary, tensorsBefore, tensorsAfter } };
    });
  }

  return { loadTeacher };
}

async function embedAll(
  deps: ActivityDeps,
  encoder: SentenceEncoder,
  frame: Frame,
  transform: PreparedTransform,
  batchSize: number,
) {
  const all = Array.from({ length: frame.rowCount }, (_, i) => i);
  const texts = textsOf(frame, transform, all);
  const cached = await deps.embeddingCache.lookup(encoder.identity.sha256, texts, encoder.dimension);
  const missing = texts.map((_, i) => i).filter((i) => !cached[i]);
  const missingTexts = missing.map((i) => texts[i]!);
  const { vectors, report } = await encoder.embed(missingTexts, {
    batchSize,
    onProgress: (done, total) => beat({ phase: 'embedding', done, total }),
  });
  await deps.embeddingCache.store(encoder.identity.sha256, missingTexts, vectors);
  missing.forEach((row, i) => (cached[row] = vectors[i]));
  const embedReport = { rowsEmbedded: texts.length, cacheHits: texts.length - missing.length, ...pick(report) };
  return { vectors: cached as Float32Array[], embedReport };
}

function pick(report: { truncated: number; maxTokens: number }) {
  return { truncated: report.truncated, maxTokens: report.maxTokens };
}

function teacherRows(frame: Frame, vectors: readonly Float32Array[], tabular: readonly string[]): SparseRow[] {
  const all = Array.from({ length: frame.rowCount }, (_, i) => i);
  const matrix = tabularMatrix(frame, tabular, all);
  return vectors.map((v, i) => denseRow([...v, ...matrix[i]!]));
}

async function fitHead(frame: Frame, rows: SparseRow[], transform: PreparedTransform, config: PipelineConfig) {
  const train = rowsOfSplit(frame, 'train');
  const validation = rowsOfSplit(frame, 'validation');
  const shape = {
    inputs: rows[0]?.values.length ?? 0,
    hidden: config.teacher.headHidden,
    classes: transform.labels.length,
  };
  const setOf = (r: number[]) => ({ rows: r.map((i) => rows[i]!), labels: labelIndices(frame, transform, r) });
  const result = await trainMlp(
    setOf(train),
    setOf(validation),
    {
      shape,
      epochs: config.teacher.headEpochs,
      batchSize: config.teacher.headBatchSize,
      learningRate: config.teacher.headLearningRate,
      seed: config.seed,
      l2: config.teacher.headL2,
      distillation: null,
      patience: HEAD_PATIENCE,
    },
    {
      onEpoch: (s) =>
        beat({
          phase: 'teacher head',
          done: s.epoch,
          total: config.teacher.headEpochs,
          epoch: s.epoch,
          loss: s.history.at(-1)?.loss,
        }),
    },
  );
  const best = result.history.find((h) => h.epoch === result.bestEpoch);
  const report = {
    epochs: result.history.length,
    bestEpoch: result.bestEpoch,
    validationAccuracy: best?.validationAccuracy,
  };
  return { shape, weights: result.weights, epochs: result.history.length, report };
}

function logitsFrame(frame: Frame, logits: readonly Float32Array[], classes: readonly string[]): Frame {
  const names = [ROW_ID_COLUMN, ...classes.map((_, k) => `logit_${k}`)];
  const values: Record<string, number[]> = { [ROW_ID_COLUMN]: column(frame, ROW_ID_COLUMN).map(Number) };
  classes.forEach((_, k) => (values[`logit_${k}`] = logits.map((l) => l[k]!)));
  return makeFrame(names, Object.fromEntries(names.map((n) => [n, 'number' as const])), values);
}

function storedHead(
  encoder: SentenceEncoder,
  selection: FeatureSelection,
  transform: PreparedTransform,
  head: { shape: MlpShape; weights: Parameters<typeof encodeWeights>[0] },
): StoredTeacherHead {
  return {
    format: 'distillery-teacher-head/1',
    teacher: encoder.identity,
    tabular: selection.tabular.selected,
    classes: transform.labels,
    shape: head.shape,
    weights: encodeWeights(head.weights),
  };
}
