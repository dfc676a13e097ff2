/**
 * `distill` (accelerator task queue): trains the student on the temperature-softened teacher
 * logits mixed with the true labels, and the same student on the true labels alone (the
 * baseline evaluation compares against). Every epoch is checkpointed to the artifact store and
 * named in the heartbeat, so a retried attempt resumes from the last finished epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { log } from '@temporalio/activity';

import type { PipelineConfig } from '../common/config';
import type { ArtifactRef, StepResult, TrainingHeartbeat } from '../common/contracts';
import type { ArtifactStore } from '../artifacts/store';
import { readFrame } from '../artifacts/parquet';
import { ROW_ID_COLUMN } from '../common/constants';
import { readTransferRows, type TransferRow } from '../core/ml/augment/transfer-set';
import { column, type Frame } from '../core/data/frame';
import { initBackend } from '../core/ml/backend';
import { calibrate, expectedCalibrationError, fitTemperature, tuneBinaryThreshold } from '../core/ml/calibration';
import { tuneClassOffsets } from '../core/ml/class-offsets';
import { decodeWeights, encodeWeights, type MlpShape, type MlpWeights } from '../core/ml/mlp';
import { createFeaturizer, type SparseRow, type StudentFeatureSpec } from '../core/ml/student/features';
import { classWeights, rowWeights } from '../core/ml/student/class-weights';
import { serializeStudent, studentShape } from '../core/ml/student/model';
import { predictBatched, trainMlp, type TrainingSet, type TrainingState } from '../core/ml/train-mlp';
import type { StudentBundle } from '../core/bundle';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { beat, lastHeartbeat } from './heartbeat';
import {
  labelIndices,
  rowsOfSplit,
  tabularMatrix,
  textsOf,
  type FeatureSelection,
  type PreparedTransform,
} from './prepared';

/** Input of `distill`. */
export interface DistillInput {
  readonly config: PipelineConfig;
  readonly standardized: ArtifactRef;
  readonly transform: ArtifactRef;
  readonly featureSelection: ArtifactRef;
  readonly teacherLogits: ArtifactRef;
}

/** The two students every run trains: distilled, and the same network on hard labels only. */
const STUDENTS = ['distilled', 'hardLabel'] as const;
type StudentName = (typeof STUDENTS)[number];

/** Creates the training activity. */
export function createTrainingActivities(deps: ActivityDeps) {
  /** Trains both students, resuming from the checkpoints of a previous attempt when there are any. */
  async function distill(input: DistillInput): Promise<StepResult> {
    return asStep(async () => {
      await initBackend();
      const tensorsBefore = tf.memory().numTensors;
      const data = await loadTrainingData(deps.store, input);
      const checkpoints = { ...(lastHeartbeat()?.checkpoints ?? {}) };
      const outputs: Record<string, ArtifactRef> = {};
      const summary: Record<string, unknown> = {
        features: data.shape.inputs,
        architecture: data.spec.architecture,
        classWeights: input.config.student.classWeights,
        trainRows: data.train.rows.length,
        transferRows: data.transfer.rows.length,
        resumedFrom: resumedEpochs(checkpoints),
      };
      for (const name of STUDENTS) {
        const result = await trainStudent(deps.store, input.config, data, name, checkpoints);
        outputs[name === 'distilled' ? 'student' : 'hardLabelStudent'] = result.ref;
        summary[name] = result.report;
      }
      const tensorsAfter = tf.memory().numTensors;
      log.info('step finished', { step: 'distill', tensorsBefore, tensorsAfter });
      return { outputs, summary: { ...summary, tensorsBefore, tensorsAfter } };
    });
  }

  return { distill };
}

interface TrainingData {
  readonly spec: StudentFeatureSpec;
  readonly shape: MlpShape;
  readonly transform: PreparedTransform;
  /** The training split's rows (the hard-label student trains on these alone). */
  readonly train: TrainingSet;
  /** Teacher-labelled augmented rows (label −1), added to the distilled student's training rows. */
  readonly transfer: TrainingSet;
  readonly validation: TrainingSet;
}

async function loadTrainingData(store: ArtifactStore, input: DistillInput): Promise<TrainingData> {
  const { config } = input;
  const frame = await readFrame(store, input.standardized);
  const transform = await store.getJson<PreparedTransform>(input.transform);
  const selection = await store.getJson<FeatureSelection>(input.featureSelection);
  const logits = readTransferRows(await readFrame(store, input.teacherLogits), transform.labels.length);
  const spec: StudentFeatureSpec = {
    vocabulary: selection.text.terms.map((t) => t.term),
    ngramMax: selection.text.ngramMax,
    charBuckets: transform.text ? config.student.charBuckets : 0,
    tabular: selection.tabular.selected,
    architecture: config.student.architecture,
  };
  const shape = studentShape(spec, config.student.hidden, transform.labels.length);
  const rows = featurizeAll(frame, transform, spec);
  const trainRows = rowsOfSplit(frame, 'train');
  const weighting = config.student.classWeights;
  const weights = classWeights(labelIndices(frame, transform, trainRows), shape.classes, weighting);
  const setOf = (r: number[], weighted: boolean): TrainingSet => {
    const labels = labelIndices(frame, transform, r);
    const byClass = weighted ? { weights: rowWeights(labels, weights) } : {};
    return { rows: r.map((i) => rows[i]!), labels, teacherLogits: r.map((i) => logits.original[i]!), ...byClass };
  };
  const weighted = weighting !== 'none';
  return {
    spec,
    shape,
    transform,
    train: setOf(trainRows, weighted),
    transfer: transferSet(frame, transform, spec, logits.transfer, weighted ? weights : null),
    validation: setOf(rowsOfSplit(frame, 'validation'), false),
  };
}

/** Features of the augmented texts, each with the tabular values of the row it was made from. */
function transferSet(
  frame: Frame,
  transform: PreparedTransform,
  spec: StudentFeatureSpec,
  transfer: readonly TransferRow[],
  weights: readonly number[] | null,
): TrainingSet {
  const byRowId = new Map(column(frame, ROW_ID_COLUMN).map((id, r) => [Number(id), r] as const));
  const sources = transfer.map((t) => byRowId.get(t.sourceRowId)!);
  const featurize = createFeaturizer(spec);
  const tabular = tabularMatrix(frame, spec.tabular, sources);
  const sourceLabels = labelIndices(frame, transform, sources);
  return {
    rows: transfer.map((t, i) => featurize(t.text, tabular[i]!)),
    labels: transfer.map(() => -1),
    teacherLogits: transfer.map((t) => t.logits),
    ...(weights ? { weights: rowWeights(sourceLabels, weights) } : {}),
  };
}

/** The distilled student's training rows: the training split, then the transfer rows. */
function withTransfer(train: TrainingSet, transfer: TrainingSet): TrainingSet {
  if (transfer.rows.length === 0) return train;
  const weights = train.weights && transfer.weights ? { weights: [...train.weights, ...transfer.weights] } : {};
  return {
    rows: [...train.rows, ...transfer.rows],
    labels: [...train.labels, ...transfer.labels],
    teacherLogits: [...(train.teacherLogits ?? []), ...(transfer.teacherLogits ?? [])],
    ...weights,
  };
}

/** Sparse student features of every row of a standardized frame. */
export function featurizeAll(frame: Frame, transform: PreparedTransform, spec: StudentFeatureSpec): SparseRow[] {
  const all = Array.from({ length: frame.rowCount }, (_, i) => i);
  const featurize = createFeaturizer(spec);
  const texts = textsOf(frame, transform, all);
  const tabular = tabularMatrix(frame, spec.tabular, all);
  return all.map((r) => featurize(texts[r]!, tabular[r]!));
}

type Checkpoints = Record<string, { epoch: number; ref: ArtifactRef }>;

async function trainStudent(
  store: ArtifactStore,
  config: PipelineConfig,
  data: TrainingData,
  name: StudentName,
  checkpoints: Checkpoints,
) {
  const resumeFrom = await loadCheckpoint(store, checkpoints[name], data.shape);
  const { distillation, student } = config;
  const progress = (extra: Partial<TrainingHeartbeat>): TrainingHeartbeat => ({
    phase: `training ${name} student`,
    done: 0,
    total: student.epochs,
    checkpoints,
    ...extra,
  });
  const result = await trainMlp(
    name === 'distilled' ? withTransfer(data.train, data.transfer) : data.train,
    data.validation,
    {
      shape: data.shape,
      epochs: student.epochs,
      batchSize: student.batchSize,
      learningRate: student.learningRate,
      seed: config.seed,
      distillation: name === 'distilled' ? distillation : null,
    },
    {
      resumeFrom,
      onBatch: (epoch, batch, batches, loss) => beat(progress({ done: epoch - 1 + batch / batches, epoch, loss })),
      onEpoch: async (state) => {
        checkpoints[name] = { epoch: state.epoch, ref: await store.putJson('checkpoint', encodeState(state)) };
        beat(progress({ done: state.epoch, epoch: state.epoch, loss: state.history.at(-1)?.loss }));
      },
    },
  );
  const model = { spec: data.spec, classes: data.transform.labels, hidden: data.shape.hidden, weights: result.weights };
  const { decision, report: calibration } = fitDecision(model.weights, data, config.decision);
  const bundle: StudentBundle = {
    format: 'distillery-student-bundle/1',
    transform: data.transform,
    student: serializeStudent(model),
    decision,
  };
  const ref = await store.putJson('student', bundle);
  const best = result.history.find((h) => h.epoch === result.bestEpoch);
  const report = { epochs: result.history.length, bestEpoch: result.bestEpoch, history: result.history, best };
  return { ref, report: { ...report, calibration } };
}

/**
 * Fits the decision rule on the validation split: temperature scaling of the logits, then (binary
 * tasks) the threshold on the calibrated P(class 1) that meets the configured objective, or (three or
 * more classes, when `decision.multiclass` is 'maxMacroF1') per-class offsets for macro-F1.
 */
function fitDecision(weights: MlpWeights, data: TrainingData, config: PipelineConfig['decision']) {
  const logits = predictBatched(weights, data.shape, data.validation.rows, 'logits');
  const truth = data.validation.labels;
  const fit = fitTemperature(logits, truth);
  const before = logits.map((l) => calibrate(l, 1));
  const after = logits.map((l) => calibrate(l, fit.temperature));
  const objective =
    config.objective === 'maxF1'
      ? { kind: 'maxF1' as const }
      : { kind: 'precisionAtLeast' as const, target: config.precisionTarget };
  const classes = data.shape.classes;
  const choice =
    classes === 2
      ? tuneBinaryThreshold(
          after.map((p) => p[1]!),
          truth,
          objective,
        )
      : undefined;
  const offsets =
    classes > 2 && config.multiclass === 'maxMacroF1' ? tuneClassOffsets(after, truth, classes) : undefined;
  const decision = {
    temperature: fit.temperature,
    ...(choice ? { threshold: choice.threshold } : {}),
    ...(offsets ? { classOffsets: offsets.offsets } : {}),
  };
  const report = {
    ...decision,
    validationEceBefore: expectedCalibrationError(before, truth),
    validationEceAfter: expectedCalibrationError(after, truth),
    ...(choice ? { thresholdObjectiveMet: choice.met, validationF1AtThreshold: choice.f1 } : {}),
    ...(offsets
      ? { validationMacroF1Argmax: offsets.macroF1Before, validationMacroF1WithOffsets: offsets.macroF1After }
      : {}),
  };
  return { decision, report };
}

function resumedEpochs(checkpoints: Checkpoints): Record<string, number> {
  return Object.fromEntries(Object.entries(checkpoints).map(([name, c]) => [name, c.epoch]));
}

interface EncodedState {
  readonly epoch: number;
  readonly weights: ReturnType<typeof encodeWeights>;
  /** The best epoch so far; its weights are omitted when it is the checkpoint's own epoch. */
  readonly best: {
    readonly epoch: number;
    readonly validationLoss: number;
    readonly weights?: ReturnType<typeof encodeWeights>;
  };
  readonly history: TrainingState['history'];
}

function encodeState(state: TrainingState): EncodedState {
  const { epoch, validationLoss } = state.best;
  const best =
    epoch === state.epoch
      ? { epoch, validationLoss }
      : { epoch, validationLoss, weights: encodeWeights(state.best.weights) };
  return { epoch: state.epoch, weights: encodeWeights(state.weights), best, history: state.history };
}

async function loadCheckpoint(
  store: ArtifactStore,
  checkpoint: { epoch: number; ref: ArtifactRef } | undefined,
  shape: MlpShape,
): Promise<TrainingState | undefined> {
  if (!checkpoint) return undefined;
  const state = await store.getJson<EncodedState>(checkpoint.ref);
  const weights = decodeWeights(state.weights, shape);
  const bestWeights = state.best.weights ? decodeWeights(state.best.weights, shape) : weights;
  return { epoch: state.epoch, weights, best: { ...state.best, weights: bestWeights }, history: state.history };
}
