/**
 * `evaluate` (accelerator task queue): scores the held-out test split with the teacher, the
 * distilled student, the hard-label student and a majority-class baseline; measures per-row
 * prediction latency of teacher and student on raw records; and applies the promotion gate.
 */
import { performance } from 'node:perf_hooks';

import { log } from '@temporalio/activity';

import type { PipelineConfig } from '../common/config';
import type { ArtifactRef, StepResult } from '../common/contracts';
import type { ArtifactStore } from '../artifacts/store';
import { readFrame } from '../artifacts/parquet';
import { createBundlePredictor, decide, type StudentBundle } from '../core/bundle';
import { expectedCalibrationError } from '../core/ml/calibration';
import { column, type Frame } from '../core/data/frame';
import { initBackend } from '../core/ml/backend';
import { classificationMetrics, softmax, type ClassificationMetrics } from '../core/ml/metrics';
import { decodeWeights, denseRow, mlpLogits } from '../core/ml/mlp';
import type { SentenceEncoder } from '../core/ml/teacher/types';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { labelIndices, rowsOfSplit, type PreparedTransform } from './prepared';
import type { StoredTeacherHead } from './teacher';

/** Input of `evaluate`. */
export interface EvaluateInput {
  readonly config: PipelineConfig;
  readonly cleaned: ArtifactRef;
  readonly standardized: ArtifactRef;
  readonly transform: ArtifactRef;
  readonly teacherLogits: ArtifactRef;
  readonly teacherHead: ArtifactRef;
  readonly student: ArtifactRef;
  readonly hardLabelStudent: ArtifactRef;
}

/** The promotion gate's decision and why. */
export interface GateDecision {
  readonly passed: boolean;
  readonly reason: string;
  readonly studentMacroF1: number;
  readonly teacherMacroF1: number;
  readonly minMacroF1Ratio: number;
}

/** Headline figures of one evaluated model (the full metrics are in the evaluation artifact). */
export interface ModelFigures {
  readonly accuracy: number;
  readonly macroF1: number;
  readonly rocAuc: number | null;
  readonly logLoss: number;
  /** Expected calibration error (top label, 15 equal-width bins) on the test split. */
  readonly ece: number;
  /** Mean per-row latency in milliseconds; p50 and p99 alongside. */
  readonly latencyMsPerRow?: number;
  readonly latencyP50Ms?: number;
  readonly latencyP99Ms?: number;
  readonly throughputRowsPerSecond?: number;
  readonly sizeBytes?: number;
}

/** The summary `evaluate` returns through Temporal (the full metrics are in its artifact). */
export interface EvaluationSummary {
  readonly testRows: number;
  readonly figures: Readonly<Record<string, ModelFigures>>;
  readonly gate: GateDecision;
  readonly agreementWithTeacher: number;
}

const LATENCY_ROWS = 200;
const TEACHER_LATENCY_ROWS = 20;

/** Creates the evaluation activity. */
export function createEvaluationActivities(deps: ActivityDeps) {
  /** Evaluates every model on the test split and decides the gate. */
  async function evaluate(input: EvaluateInput): Promise<StepResult<EvaluationSummary>> {
    return asStep(async () => {
      await initBackend();
      const frame = await readFrame(deps.store, input.standardized);
      const transform = await deps.store.getJson<PreparedTransform>(input.transform);
      const testRows = rowsOfSplit(frame, 'test');
      const truth = labelIndices(frame, transform, testRows);
      const raw = await rawTestRecords(deps.store, input.cleaned, frame, testRows);
      const models = await scoreModels(deps, input, frame, transform, testRows, raw);
      const metrics = Object.fromEntries(
        Object.entries(models).map(([name, m]) => [
          name,
          classificationMetrics(truth, m.probabilities, transform.labels, m.predicted),
        ]),
      );
      const figures = Object.fromEntries(
        Object.entries(metrics).map(([name, m]) => [name, headline(m, models[name]!, truth)]),
      );
      const gate = decideGate(metrics.student!, metrics.teacher!, input.config.gate.minMacroF1Ratio);
      const agreement = agreementOf(models.student!.probabilities, models.teacher!.probabilities);
      const report = {
        testRows: testRows.length,
        labels: transform.labels,
        metrics,
        gate,
        agreementWithTeacher: agreement,
      };
      const output = await deps.store.putJson('evaluation', report);
      log.info('step finished', { step: 'evaluate', gate: gate.passed, studentMacroF1: gate.studentMacroF1 });
      const summary = { testRows: testRows.length, figures, gate, agreementWithTeacher: agreement };
      return { outputs: { evaluation: output }, summary };
    });
  }

  return { evaluate };
}

interface Scored {
  readonly probabilities: readonly ArrayLike<number>[];
  /** Decided classes when they are not the argmax (a tuned threshold). */
  readonly predicted?: readonly number[];
  readonly latency?: LatencyFigures;
  /** Bytes of everything the model needs to predict (weights, vocabulary, transform). */
  readonly sizeBytes?: number;
}

/** Per-row latency on raw records, one record at a time, and batch throughput. */
interface LatencyFigures {
  readonly latencyMsPerRow: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly throughputRowsPerSecond: number;
}

type RawRecord = Record<string, string | number | null>;

async function rawTestRecords(store: ArtifactStore, cleaned: ArtifactRef, frame: Frame, testRows: number[]) {
  const raw = await readFrame(store, cleaned);
  const byRowId = new Map(column(raw, '__row_id').map((id, i) => [Number(id), i] as const));
  const rowIds = column(frame, '__row_id');
  return testRows.map((r) => {
    const source = byRowId.get(Number(rowIds[r]))!;
    return Object.fromEntries(raw.columns.map((c) => [c, raw.values[c]![source] ?? null])) as RawRecord;
  });
}

async function scoreModels(
  deps: ActivityDeps,
  input: EvaluateInput,
  frame: Frame,
  transform: PreparedTransform,
  testRows: number[],
  raw: RawRecord[],
): Promise<Record<string, Scored>> {
  const logits = await readFrame(deps.store, input.teacherLogits);
  const teacher = testRows.map((r) => softmax(transform.labels.map((_, k) => Number(logits.values[`logit_${k}`]![r]))));
  const student = await scoreStudent(deps.store, input.student, raw);
  const hardLabel = await scoreStudent(deps.store, input.hardLabelStudent, raw);
  const teacherCost = await measureTeacher(deps, input.teacherHead, raw, transform);
  return {
    teacher: { probabilities: teacher, ...teacherCost },
    student,
    hardLabelStudent: hardLabel,
    majority: { probabilities: majorityBaseline(frame, transform, testRows.length) },
  };
}

async function scoreStudent(store: ArtifactStore, ref: ArtifactRef, raw: RawRecord[]): Promise<Scored> {
  const bundle = await store.getJson<StudentBundle>(ref);
  const predict = createBundlePredictor(bundle);
  const probabilities = predict(raw);
  const predicted = probabilities.map((p) => decide(bundle.decision, p));
  const started = performance.now();
  predict(raw).forEach((p) => decide(bundle.decision, p));
  const batchSeconds = (performance.now() - started) / 1000;
  const times = raw.slice(0, LATENCY_ROWS).map((record) => {
    const start = performance.now();
    decide(bundle.decision, predict([record])[0]!);
    return performance.now() - start;
  });
  return { probabilities, predicted, latency: latencyFigures(times, raw.length / batchSeconds), sizeBytes: ref.bytes };
}

/** Mean, p50 and p99 (nearest rank) of per-row times, with a throughput figure. */
export function latencyFigures(times: readonly number[], throughputRowsPerSecond: number): LatencyFigures {
  const sorted = [...times].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { latencyMsPerRow: mean, latencyP50Ms: rank(0.5), latencyP99Ms: rank(0.99), throughputRowsPerSecond };
}

/**
 * The teacher's cost on raw records: encoder plus head, one record at a time (text data only; a
 * tabular teacher is a small MLP like the student). Size counts the encoder's files and the head.
 */
async function measureTeacher(
  deps: ActivityDeps,
  headRef: ArtifactRef,
  raw: RawRecord[],
  transform: PreparedTransform,
): Promise<Pick<Scored, 'latency' | 'sizeBytes'>> {
  if (!transform.text) return { sizeBytes: headRef.bytes };
  const head = await deps.store.getJson<StoredTeacherHead>(headRef);
  const weights = decodeWeights(head.weights, head.shape);
  const encoder: SentenceEncoder = await deps.teacher();
  const sample = raw.slice(0, TEACHER_LATENCY_ROWS).map((r) => String(r[transform.text!] ?? ''));
  // The tabular part of the head's input costs the same whatever its values; zeros stand in for them.
  const tabular = new Array<number>(head.shape.inputs - encoder.dimension).fill(0);
  const times: number[] = [];
  for (const text of sample) {
    const start = performance.now();
    const { vectors } = await encoder.embed([text], { batchSize: 1 });
    softmax(mlpLogits(head.shape, weights, denseRow([...vectors[0]!, ...tabular])));
    times.push(performance.now() - start);
  }
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  return { latency: latencyFigures(times, 1000 / mean), sizeBytes: headRef.bytes + encoder.bytes };
}

function majorityBaseline(frame: Frame, transform: PreparedTransform, testCount: number): Float64Array[] {
  const train = labelIndices(frame, transform, rowsOfSplit(frame, 'train'));
  const counts = new Array<number>(transform.labels.length).fill(0);
  train.forEach((c) => counts[c]!++);
  const majority = counts.indexOf(Math.max(...counts));
  return Array.from({ length: testCount }, () => Float64Array.from(counts, (_, k) => (k === majority ? 1 : 0)));
}

function headline(metrics: ClassificationMetrics, scored: Scored, truth: readonly number[]): ModelFigures {
  const { accuracy, macroF1, rocAuc, logLoss } = metrics;
  const ece = expectedCalibrationError(scored.probabilities, truth);
  const size = scored.sizeBytes === undefined ? {} : { sizeBytes: scored.sizeBytes };
  return { accuracy, macroF1, rocAuc, logLoss, ece, ...scored.latency, ...size };
}

/** The gate: the student's macro-F1 must reach `ratio` × the teacher's. */
export function decideGate(
  student: ClassificationMetrics,
  teacher: ClassificationMetrics,
  ratio: number,
): GateDecision {
  const required = ratio * teacher.macroF1;
  const passed = student.macroF1 >= required;
  const relation = passed ? '≥' : '<';
  const [studentF1, teacherF1] = [student.macroF1.toFixed(4), teacher.macroF1.toFixed(4)];
  const reason = `student macro-F1 ${studentF1} ${relation} ${ratio} × teacher ${teacherF1}`;
  return { passed, reason, studentMacroF1: student.macroF1, teacherMacroF1: teacher.macroF1, minMacroF1Ratio: ratio };
}

function agreementOf(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  const top = (p: ArrayLike<number>) => Array.from(p).indexOf(Math.max(...Array.from(p)));
  return a.filter((p, i) => top(p) === top(b[i]!)).length / Math.max(1, a.length);
}
