/**
 * Mini-batch training of {@link MlpWeights} with TensorFlow.js (Adam), on hard labels or with
 * the distillation loss. The loop yields to the event loop after every batch (so heartbeats and
 * cancellation get through), checks every batch loss for finiteness, evaluates on the
 * validation rows after every epoch, keeps the best epoch's weights, and can resume from the
 * state it hands to `onEpoch`.
 */
import * as tf from '@tensorflow/tfjs';

import { DistilleryError } from '../../common/errors';
import { seededRandom, shuffled } from '../util/random';
import { logLoss } from './metrics';
import type { MlpShape, MlpWeights } from './mlp';
import type { SparseRow } from './student/features';
import { assertDistillationParams, distillationLoss, type DistillationParams } from './student/loss';

/**
 * Rows, true class indices and, for distillation, the teacher's logits. A label of −1 marks a
 * transfer row the teacher labelled (augmentation): it has no true label, so only its KL term
 * counts. `weights` multiplies each row's loss (class weights); absent, every row weighs 1.
 */
export interface TrainingSet {
  readonly rows: readonly SparseRow[];
  readonly labels: readonly number[];
  readonly teacherLogits?: readonly ArrayLike<number>[];
  readonly weights?: readonly number[];
}

/** Settings of one training job. */
export interface TrainingOptions {
  readonly shape: MlpShape;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /** L2 penalty on both weight matrices. Default 0. */
  readonly l2?: number;
  /** Distillation loss parameters; null trains on hard labels only. */
  readonly distillation: DistillationParams | null;
  /** Stop after this many epochs without a better validation loss. Default: never. */
  readonly patience?: number;
}

/** One epoch's figures. */
export interface EpochStats {
  readonly epoch: number;
  readonly loss: number;
  readonly validationLoss: number;
  readonly validationAccuracy: number;
}

/** Everything needed to continue training after `epoch`: the checkpoint. */
export interface TrainingState {
  readonly epoch: number;
  readonly weights: MlpWeights;
  readonly best: { readonly epoch: number; readonly validationLoss: number; readonly weights: MlpWeights };
  readonly history: readonly EpochStats[];
}

/** Callbacks into the caller: progress, checkpoints, and the state to resume from. */
export interface TrainingHooks {
  onBatch?(epoch: number, batch: number, batches: number, loss: number): void | Promise<void>;
  onEpoch?(state: TrainingState): void | Promise<void>;
  resumeFrom?: TrainingState;
}

/** Result: the best epoch's weights and the full history. */
export interface TrainingResult {
  readonly weights: MlpWeights;
  readonly bestEpoch: number;
  readonly history: readonly EpochStats[];
}

/**
 * Trains a network.
 * @throws DistilleryError 'TrainingDiverged' naming epoch and batch when a loss is not finite.
 */
export async function trainMlp(
  train: TrainingSet,
  validation: TrainingSet,
  options: TrainingOptions,
  hooks: TrainingHooks = {},
): Promise<TrainingResult> {
  if (options.distillation) assertDistillationParams(options.distillation);
  let state = hooks.resumeFrom ?? initialState(options);
  const variables = toVariables(state.weights);
  const optimizer = tf.train.adam(options.learningRate);
  try {
    for (let epoch = state.epoch + 1; epoch <= options.epochs; epoch++) {
      const loss = await runEpoch(train, options, variables, optimizer, epoch, hooks);
      state = nextState(state, epoch, loss, readWeights(variables), validation, options.shape);
      await hooks.onEpoch?.(state);
      if (options.patience !== undefined && epoch - state.best.epoch >= options.patience) break;
    }
    return { weights: state.best.weights, bestEpoch: state.best.epoch, history: state.history };
  } finally {
    optimizer.dispose();
    Object.values(variables).forEach((v) => v.dispose());
  }
}

type Variables = Record<keyof MlpWeights, tf.Variable>;

function initialState(options: TrainingOptions): TrainingState {
  const weights = initialWeights(options.shape, options.seed);
  return { epoch: 0, weights, best: { epoch: 0, validationLoss: Infinity, weights }, history: [] };
}

/** Glorot-uniform weights from a seeded generator; zero biases. */
export function initialWeights(shape: MlpShape, seed: number): MlpWeights {
  const random = seededRandom(seed);
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: fanIn * fanOut }, () => (random() * 2 - 1) * limit);
  };
  return {
    w1: glorot(shape.inputs, shape.hidden),
    b1: new Float32Array(shape.hidden),
    w2: glorot(shape.hidden, shape.classes),
    b2: new Float32Array(shape.classes),
  };
}

function toVariables(weights: MlpWeights): Variables {
  const { inputs, hidden, classes } = shapeOf(weights);
  // A variable holds its own reference to the data: tidy frees the initial tensors, which would otherwise leak.
  return tf.tidy(() => ({
    w1: tf.variable(tf.tensor2d(weights.w1, [inputs, hidden])),
    b1: tf.variable(tf.tensor1d(weights.b1)),
    w2: tf.variable(tf.tensor2d(weights.w2, [hidden, classes])),
    b2: tf.variable(tf.tensor1d(weights.b2)),
  }));
}

function shapeOf(weights: MlpWeights): MlpShape {
  const hidden = weights.b1.length;
  return { inputs: weights.w1.length / hidden, hidden, classes: weights.b2.length };
}

function readWeights(variables: Variables): MlpWeights {
  const read = (v: tf.Variable) => Float32Array.from(v.dataSync() as Float32Array);
  return { w1: read(variables.w1), b1: read(variables.b1), w2: read(variables.w2), b2: read(variables.b2) };
}

function forward(variables: Variables, x: tf.Tensor2D, shape: MlpShape): tf.Tensor2D {
  const linear = tf.add(tf.matMul(x, variables.w1), variables.b1);
  const hidden = shape.activation === 'linear' ? linear : tf.relu(linear);
  return tf.add(tf.matMul(hidden, variables.w2), variables.b2);
}

async function runEpoch(
  train: TrainingSet,
  options: TrainingOptions,
  variables: Variables,
  optimizer: tf.Optimizer,
  epoch: number,
  hooks: TrainingHooks,
): Promise<number> {
  // Each epoch's order depends only on (seed, epoch), so a resumed run sees the same batches.
  const order = shuffled(
    train.labels.map((_, i) => i),
    seededRandom(options.seed * 7919 + epoch),
  );
  const batches = Math.ceil(order.length / options.batchSize);
  let total = 0;
  for (let b = 0; b < batches; b++) {
    const rows = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
    const loss = trainBatch(train, rows, options, variables, optimizer);
    if (!Number.isFinite(loss)) throw diverged(epoch, b + 1, loss);
    total += loss * rows.length;
    await hooks.onBatch?.(epoch, b + 1, batches, loss);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total / order.length;
}

function trainBatch(
  train: TrainingSet,
  rows: readonly number[],
  options: TrainingOptions,
  variables: Variables,
  optimizer: tf.Optimizer,
): number {
  return tf.tidy(() => {
    const x = densify(
      rows.map((r) => train.rows[r]!),
      options.shape.inputs,
    );
    const y = tf.oneHot(
      tf.tensor1d(
        rows.map((r) => train.labels[r]!),
        'int32',
      ),
      options.shape.classes,
    ) as tf.Tensor2D;
    const teacher = options.distillation && train.teacherLogits ? teacherBatch(train.teacherLogits, rows) : null;
    const weights = train.weights ? tf.tensor1d(rows.map((r) => train.weights![r]!)) : null;
    const loss = optimizer.minimize(() => {
      const params = options.distillation ?? { temperature: 1, alpha: 0 };
      const data = distillationLoss(forward(variables, x, options.shape), y, teacher, params, weights);
      return options.l2 ? tf.add(data, penalty(variables, options.l2)) : data;
    }, true);
    return loss!.dataSync()[0]!;
  });
}

function penalty(variables: Variables, l2: number): tf.Scalar {
  return tf.mul(tf.add(tf.sum(tf.square(variables.w1)), tf.sum(tf.square(variables.w2))), l2);
}

function teacherBatch(logits: readonly ArrayLike<number>[], rows: readonly number[]): tf.Tensor2D {
  const classes = logits[0]!.length;
  const flat = new Float32Array(rows.length * classes);
  rows.forEach((r, i) => flat.set(Array.from(logits[r]!), i * classes));
  return tf.tensor2d(flat, [rows.length, classes]);
}

/** Dense batch × inputs tensor from sparse rows. */
export function densify(rows: readonly SparseRow[], inputs: number): tf.Tensor2D {
  const flat = new Float32Array(rows.length * inputs);
  rows.forEach((row, i) => row.indices.forEach((column, k) => (flat[i * inputs + column] = row.values[k]!)));
  return tf.tensor2d(flat, [rows.length, inputs]);
}

function nextState(
  previous: TrainingState,
  epoch: number,
  loss: number,
  weights: MlpWeights,
  validation: TrainingSet,
  shape: MlpShape,
): TrainingState {
  const probabilities = predictBatched(weights, shape, validation.rows);
  const validationLoss = logLoss(validation.labels, probabilities);
  const correct = validation.labels.filter((t, i) => argmaxRow(probabilities[i]!) === t).length;
  const stats = { epoch, loss, validationLoss, validationAccuracy: correct / Math.max(1, validation.labels.length) };
  const best = validationLoss < previous.best.validationLoss ? { epoch, validationLoss, weights } : previous.best;
  return { epoch, weights, best, history: [...previous.history, stats] };
}

/** Class probabilities (or raw logits) of many rows, computed on the backend in chunks of 512. */
export function predictBatched(
  weights: MlpWeights,
  shape: MlpShape,
  rows: readonly SparseRow[],
  output: 'probabilities' | 'logits' = 'probabilities',
): Float32Array[] {
  const out: Float32Array[] = [];
  const variables = {
    w1: tf.tensor2d(weights.w1, [shape.inputs, shape.hidden]),
    b1: tf.tensor1d(weights.b1),
    w2: tf.tensor2d(weights.w2, [shape.hidden, shape.classes]),
    b2: tf.tensor1d(weights.b2),
  };
  try {
    for (let start = 0; start < rows.length; start += 512) {
      const chunk = rows.slice(start, start + 512);
      const flat = tf.tidy(() => {
        const logits = forward(variables as unknown as Variables, densify(chunk, shape.inputs), shape);
        return (output === 'logits' ? logits : tf.softmax(logits)).dataSync();
      });
      chunk.forEach((_, i) => out.push(Float32Array.from(flat.subarray(i * shape.classes, (i + 1) * shape.classes))));
    }
  } finally {
    Object.values(variables).forEach((t) => t.dispose());
  }
  return out;
}

function argmaxRow(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function diverged(epoch: number, batch: number, loss: number): DistilleryError {
  return new DistilleryError('TrainingDiverged', `training loss became ${loss} at epoch ${epoch}, batch ${batch}`, {
    epoch,
    batch,
  });
}
