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
import { appendTransferRows, planTransferSet, type TransferPlan } from '../core/ml/augment/transfer-set';
import { initBackend } from '../core/ml/backend';
import { canonicalJson, sha256 } from '../core/util/hash';
import { denseRow, encodeWeights, type MlpShape } from '../core/ml/mlp';
import type { SparseRow } from '../core/ml/student/features';
import type { SentenceEncoder, TeacherIdentity } from '../core/ml/teacher/types';
import { predictBatched, trainMlp } from '../core/ml/train-mlp';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { beat } from './heartbeat';
import { registeredTeacher } from './teacher-registered';
import {
  labelIndices,
  rowsOfSplit,
  tabularColumns,
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
  readonly teacher: TeacherIdentity;
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
      if (input.config.teacher.kind === 'registered') {
        const registered = await registeredTeacher(deps, frame, transform, input.config);
        const outputs = {
          teacherLogits: await writeFrame(
            deps.store,
            'teacherLogits',
            logitsFrame(frame, registered.logits, transform.labels),
          ),
          teacherHead: await deps.store.putJson('teacherHead', registered.stored),
        };
        log.info('step finished', { step: 'loadTeacher', teacher: registered.stored.teacher.version });
        const summary = { teacher: registered.stored.teacher, ...registered.report };
        return { outputs, summary: { ...summary, tensorsBefore, tensorsAfter: tf.memory().numTensors } };
      }
      const teacher = transform.text
        ? await textTeacher(deps, frame, transform, selection, input.config)
        : tabularTeacher(frame, input.config);
      const head = await fitHead(frame, teacher.rows, transform, input.config);
      const logits = predictBatched(head.weights, head.shape, teacher.rows, 'logits');
      const stored = storedHead(teacher.identity, teacher.tabular, transform, head);
      const transfer = teacher.encoder
        ? await transferSet(deps, teacher.encoder, frame, transform, teacher.tabular, head, input.config)
        : { plan: EMPTY_PLAN, logits: [] };
      const original = logitsFrame(frame, logits, transform.labels);
      const withTransfer = appendTransferRows(original, transfer.plan, transfer.logits);
      const outputs = {
        teacherLogits: await writeFrame(deps.store, 'teacherLogits', withTransfer),
        teacherHead: await deps.store.putJson('teacherHead', stored),
      };
      const tensorsAfter = tf.memory().numTensors;
      log.info('step finished', { step: 'loadTeacher', backend: backend.name, epochs: head.epochs });
      const summary = {
        teacher: teacher.identity,
        backend: backend.name,
        ...teacher.report,
        head: head.report,
        transferRows: transfer.plan.texts.length,
      };
      return { outputs, summary: { ...summary, tensorsBefore, tensorsAfter } };
    });
  }

  return { loadTeacher };
}

/**
 * The pretrained encoder a run's configuration names: USE Lite or an ONNX teacher from
 * `teacher.path` / `teacher.modelId`, both loaded once per worker by its deps. Evaluation measures
 * the same encoder.
 */
export function teacherEncoder(deps: ActivityDeps, config: PipelineConfig): Promise<SentenceEncoder> {
  const { kind, path, modelId, allowRemoteModels } = config.teacher;
  return kind === 'onnx' ? deps.onnxTeacher({ path, modelId, allowRemoteModels }) : deps.teacher();
}

/** What the head is trained on: one dense row per record, and where it came from. */
interface TeacherInputs {
  readonly identity: TeacherIdentity;
  /** The frozen encoder of a text teacher; absent for the tabular teacher. */
  readonly encoder?: SentenceEncoder;
  readonly rows: SparseRow[];
  /** Tabular columns appended to (or, without text, making up) each row. */
  readonly tabular: readonly string[];
  readonly report: Record<string, unknown>;
}

/** Text data: frozen encoder embeddings plus the selected tabular features (transfer learning). */
async function textTeacher(
  deps: ActivityDeps,
  frame: Frame,
  transform: PreparedTransform,
  selection: FeatureSelection,
  config: PipelineConfig,
): Promise<TeacherInputs> {
  const encoder = await teacherEncoder(deps, config);
  const { vectors, embedReport } = await embedAll(deps, encoder, frame, transform, config.teacher.batchSize);
  const tabular = selection.tabular.selected;
  const rows = teacherRows(frame, vectors, tabular);
  return { identity: encoder.identity, encoder, rows, tabular, report: embedReport };
}

/**
 * Tabular data: no pretrained encoder applies, so the teacher is an MLP over every standardized
 * tabular column (the student sees only the selected ones); its identity names that architecture,
 * and its trained weights are the step's teacherHead artifact.
 */
function tabularTeacher(frame: Frame, config: PipelineConfig): TeacherInputs {
  const tabular = tabularColumns(frame, config);
  const all = Array.from({ length: frame.rowCount }, (_, i) => i);
  const rows = tabularMatrix(frame, tabular, all).map((values) => denseRow(values));
  const spec = { columns: tabular, hidden: config.teacher.headHidden, seed: config.seed };
  const identity = { name: 'tabular-mlp', version: 'distillery-teacher-head/1', sha256: sha256(canonicalJson(spec)) };
  return { identity, rows, tabular, report: { tabularColumns: tabular.length } };
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
  const { vectors, cacheHits } = await embedTexts(deps, encoder, texts, batchSize);
  // Counted over every text, cached or not, so a re-run reports what the embeddings contain.
  const truncated = encoder.countTruncated(texts);
  const embedReport = { rowsEmbedded: texts.length, cacheHits, truncated, maxTokens: encoder.maxTokens };
  return { vectors, embedReport };
}

/** Embeddings of `texts`, from the cache where present; the rest embedded in chunks and cached. */
async function embedTexts(deps: ActivityDeps, encoder: SentenceEncoder, texts: readonly string[], batchSize: number) {
  const cached = await deps.embeddingCache.lookup(encoder.identity.sha256, texts, encoder.dimension);
  const missing = texts.map((_, i) => i).filter((i) => !cached[i]);
  // Chunks go to the cache as soon as they are embedded, so a retried attempt skips what was done.
  for (let start = 0; start < missing.length; start += EMBED_CHUNK) {
    const rows = missing.slice(start, start + EMBED_CHUNK);
    const chunk = rows.map((i) => texts[i]!);
    const { vectors } = await encoder.embed(chunk, {
      batchSize,
      onProgress: (done) => beat({ phase: 'embedding', done: start + done, total: missing.length }),
    });
    await deps.embeddingCache.store(encoder.identity.sha256, chunk, vectors);
    rows.forEach((row, i) => (cached[row] = vectors[i]));
  }
  return { vectors: cached as Float32Array[], cacheHits: texts.length - missing.length };
}

const EMPTY_PLAN: TransferPlan = { texts: [], sourceRowIds: [], sourceRows: [] };

/**
 * Transfer-set augmentation (Tang et al. 2019, `distillation.augmentation`): perturbed copies of the
 * training texts, embedded like the originals (cached) with their source row's tabular values, and
 * labelled by the fitted head. Empty when `copies` is 0.
 */
async function transferSet(
  deps: ActivityDeps,
  encoder: SentenceEncoder,
  frame: Frame,
  transform: PreparedTransform,
  tabular: readonly string[],
  head: { shape: MlpShape; weights: Parameters<typeof predictBatched>[0] },
  config: PipelineConfig,
): Promise<{ plan: TransferPlan; logits: Float32Array[] }> {
  const all = Array.from({ length: frame.rowCount }, (_, i) => i);
  const rowIds = column(frame, ROW_ID_COLUMN).map(Number);
  const texts = textsOf(frame, transform, all);
  const options = config.distillation.augmentation;
  const plan = planTransferSet(rowsOfSplit(frame, 'train'), texts, rowIds, options, config.seed);
  if (plan.texts.length === 0) return { plan, logits: [] };
  const { vectors } = await embedTexts(deps, encoder, plan.texts, config.teacher.batchSize);
  const values = tabularMatrix(frame, tabular, plan.sourceRows);
  const rows = vectors.map((v, i) => denseRow([...v, ...values[i]!]));
  return { plan, logits: predictBatched(head.weights, head.shape, rows, 'logits') };
}

/** Texts embedded (and cached) per chunk. */
const EMBED_CHUNK = 1024;

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
  identity: TeacherIdentity,
  tabular: readonly string[],
  transform: PreparedTransform,
  head: { shape: MlpShape; weights: Parameters<typeof encodeWeights>[0] },
): StoredTeacherHead {
  return {
    format: 'distillery-teacher-head/1',
    teacher: identity,
    tabular,
    classes: transform.labels,
    shape: head.shape,
    weights: encodeWeights(head.weights),
  };
}
