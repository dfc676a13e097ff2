/**
 * `evaluate` (accelerator task queue): scores the held-out test split with the teacher, the
 * distilled student, the hard-label student, a majority-class baseline, a TF-IDF + logistic
 * regression baseline fitted on the training split, and — when one exists and is comparable —
 * the version holding the production alias (champion/challenger); measures per-row latency,
 * throughput and size; and applies the promotion gate.
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
import { fitTfidfLogReg } from '../core/ml/baseline/tfidf-logreg';
import { argmax, classificationMetrics, softmax, type ClassificationMetrics } from '../core/ml/metrics';
import { decodeWeights, denseRow, mlpLogits } from '../core/ml/mlp';
import { loadChampion, type ChampionInfo } from './champion';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import { decideGate, type GateDecision } from './gate';
import { beat } from './heartbeat';
import { labelIndices, rowsOfSplit, tabularMatrix, textsOf, type PreparedTransform } from './prepared';
import { teacherEncoder, type StoredTeacherHead } from './teacher';

export type { GateCheck, GateDecision } from './gate';

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
  /**
   * By model: teacher, student, hardLabelStudent, tfidfLogReg, majority, and champion when the
   * production version was scored on the same rows.
   */
  readonly figures: Readonly<Record<string, ModelFigures>>;
  readonly gate: GateDecision;
  readonly agreementWithTeacher: number;
  readonly champion: ChampionInfo;
}

const LATENCY_ROWS = 200;
/** Teacher rows timed one at a time (tens of milliseconds each), after {@link TEACHER_WARMUP_ROWS} untimed ones. */
const TEACHER_LATENCY_ROWS = 50;
const TEACHER_WARMUP_ROWS = 5;
/** L-BFGS iterations of the TF-IDF baseline at most. */
const BASELINE_ITERATIONS = 200;

/** Creates the evaluation activity. */
export function createEvaluationActivities(deps: ActivityDeps) {
  /** Evaluates every model on the test split and decides the gate. */
  async function evaluate(input: EvaluateInput): Promise<StepResult<EvaluationSummary>> {
    return asStep(async () => {
      await initBackend();
      const data = await loadTestData(deps.store, input);
      const { models, champion } = await scoreModels(deps, input, data);
      const metrics = Object.fromEntries(
        Object.entries(models).map(([name, m]) => [name, metricsOf(data, m)] as const),
      );
      const figures = Object.fromEntries(
        Object.entries(metrics).map(([name, m]) => [name, headline(m, models[name]!, data.truth)]),
      );
      const gate = decideGate(
        { student: metrics.student!, teacher: metrics.teacher!, champion, championMetrics: metrics.champion },
        input.config.gate,
      );
      const agreement = agreementOf(models.student!.probabilities, models.teacher!.probabilities);
      const testRows = data.testRows.length;
      const report = { testRows, labels: data.transform.labels, metrics, gate, agreementWithTeacher: agreement };
      const output = await deps.store.putJson('evaluation', report);
      log.info('step finished', { step: 'evaluate', gate: gate.passed, studentMacroF1: gate.studentMacroF1 });
      const summary = { testRows, figures, gate, agreementWithTeacher: agreement, champion };
      return { outputs: { evaluation: output }, summary };
    });
  }

  return { evaluate };
}

/** The test split as the models see it: standardized rows, raw records, true classes. */
interface TestData {
  readonly frame: Frame;
  readonly transform: PreparedTransform;
  readonly testRows: readonly number[];
  readonly truth: readonly number[];
  /** The test rows as cleaned records (before standardization): what a caller would send. */
  readonly raw: readonly RawRecord[];
  readonly rawColumns: readonly string[];
}

async function loadTestData(store: ArtifactStore, input: EvaluateInput): Promise<TestData> {
  const frame = await readFrame(store, input.standardized);
  const transform = await store.getJson<PreparedTransform>(input.transform);
  const testRows = rowsOfSplit(frame, 'test');
  const truth = labelIndices(frame, transform, testRows);
  const cleaned = await readFrame(store, input.cleaned);
  return { frame, transform, testRows, truth, raw: rawRecords(cleaned, frame, testRows), rawColumns: cleaned.columns };
}

function metricsOf(data: TestData, scored: Scored): ClassificationMetrics {
  return classificationMetrics(data.truth, scored.probabilities, data.transform.labels, scored.predicted);
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

function rawRecords(cleaned: Frame, frame: Frame, testRows: readonly number[]): RawRecord[] {
  const byRowId = new Map(column(cleaned, '__row_id').map((id, i) => [Number(id), i] as const));
  const rowIds = column(frame, '__row_id');
  return testRows.map((r) => {
    const source = byRowId.get(Number(rowIds[r]))!;
    return Object.fromEntries(cleaned.columns.map((c) => [c, cleaned.values[c]![source] ?? null])) as RawRecord;
  });
}

async function scoreModels(deps: ActivityDeps, input: EvaluateInput, data: TestData) {
  const progress = (done: number) => beat({ phase: 'evaluating', done, total: 5 });
  const studentBundle = await deps.store.getJson<StudentBundle>(input.student);
  const student = scoreBundle(studentBundle, data.raw, input.student.bytes);
  const hardLabel = scoreBundle(await deps.store.getJson<StudentBundle>(input.hardLabelStudent), data.raw);
  progress(1);
  const teacher = { probabilities: await teacherProbabilities(deps.store, input.teacherLogits, data) };
  const teacherCost = await measureTeacher(deps, input, data);
  progress(2);
  const baseline = await scoreBaseline(data, studentBundle.student.spec.tabular);
  progress(3);
  const champion = await loadChampion(
    await deps.registry(),
    deps.store,
    input.config.modelName,
    data.transform,
    data.rawColumns,
  );
  const championScored: Record<string, Scored> = champion.bundle
    ? { champion: scoreBundle(champion.bundle, data.raw) }
    : {};
  progress(4);
  const models: Record<string, Scored> = {
    teacher: { ...teacher, ...teacherCost },
    student: { ...student, sizeBytes: input.student.bytes },
    hardLabelStudent: { ...hardLabel, sizeBytes: input.hardLabelStudent.bytes },
    tfidfLogReg: baseline,
    majority: { probabilities: majorityBaseline(data) },
    ...championScored,
  };
  return { models, champion: champion.info };
}

async function teacherProbabilities(store: ArtifactStore, ref: ArtifactRef, data: TestData): Promise<Float64Array[]> {
  const logits = await readFrame(store, ref);
  const columns = data.transform.labels.map((_, k) => column(logits, `logit_${k}`));
  return data.testRows.map((r) => softmax(columns.map((c) => Number(c[r]))));
}

/** A student bundle on raw records: calibrated probabilities, decisions, latency and throughput. */
function scoreBundle(bundle: StudentBundle, raw: readonly RawRecord[], sizeBytes?: number): Scored {
  const predict = createBundlePredictor(bundle);
  const probabilities = predict(raw);
  const predicted = probabilities.map((p) => decide(bundle.decision, p));
  const started = performance.now();
  predict(raw).forEach((p) => decide(bundle.decision, p));
  const throughput = raw.length / ((performance.now() - started) / 1000);
  const times = raw.slice(0, LATENCY_ROWS).map((record) => {
    const start = performance.now();
    decide(bundle.decision, predict([record])[0]!);
    return performance.now() - start;
  });
  const size = sizeBytes === undefined ? {} : { sizeBytes };
  return { probabilities, predicted, latency: latencyFigures(times, throughput), ...size };
}

/**
 * TF-IDF over word 1–2-grams of the training split's texts, plus the student's tabular columns,
 * into multinomial logistic regression. Its latency is measured on standardized rows.
 */
async function scoreBaseline(data: TestData, tabular: readonly string[]): Promise<Scored> {
  const { frame, transform } = data;
  const train = rowsOfSplit(frame, 'train');
  const model = await fitTfidfLogReg(
    {
      texts: textsOf(frame, transform, train),
      tabular: tabularMatrix(frame, tabular, train),
      labels: labelIndices(frame, transform, train),
      classes: transform.labels.length,
    },
    {
      maxIterations: BASELINE_ITERATIONS,
      onIteration: (done) => beat({ phase: 'fitting the TF-IDF baseline', done, total: BASELINE_ITERATIONS }),
    },
  );
  const texts = textsOf(frame, transform, data.testRows);
  const values = tabularMatrix(frame, tabular, data.testRows);
  const started = performance.now();
  const probabilities = texts.map((text, i) => model.predict(text, values[i]!));
  const throughput = texts.length / ((performance.now() - started) / 1000);
  const times = texts.slice(0, LATENCY_ROWS).map((text, i) => {
    const start = performance.now();
    argmax(model.predict(text, values[i]!));
    return performance.now() - start;
  });
  return { probabilities, latency: latencyFigures(times, throughput), sizeBytes: model.sizeBytes };
}

/** Mean, p50 and p99 (nearest rank) of per-row times, with a throughput figure. */
export function latencyFigures(times: readonly number[], throughputRowsPerSecond: number): LatencyFigures {
  const sorted = [...times].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { latencyMsPerRow: mean, latencyP50Ms: rank(0.5), latencyP99Ms: rank(0.99), throughputRowsPerSecond };
}

/**
 * The teacher's cost on raw records: encoder plus head, one record at a time (text data with an
 * encoder teacher only; a tabular teacher is a small MLP like the student, and a registered
 * teacher is a student). Size counts the encoder's files and the head.
 */
async function measureTeacher(
  deps: ActivityDeps,
  input: EvaluateInput,
  data: TestData,
): Promise<Pick<Scored, 'latency' | 'sizeBytes'>> {
  const headRef = input.teacherHead;
  const head = await deps.store.getJson<StoredTeacherHead>(headRef);
  const textColumn = data.transform.text;
  if (!textColumn || head.format !== 'distillery-teacher-head/1') return { sizeBytes: headRef.bytes };
  const weights = decodeWeights(head.weights, head.shape);
  const encoder = await teacherEncoder(deps, input.config);
  const texts = data.raw.slice(0, TEACHER_WARMUP_ROWS + TEACHER_LATENCY_ROWS).map((r) => String(r[textColumn] ?? ''));
  // The tabular part of the head's input costs the same whatever its values; zeros stand in for them.
  const tabular = new Array<number>(head.shape.inputs - encoder.dimension).fill(0);
  const times: number[] = [];
  // The first rows warm the encoder up (session start, first allocations) and are not timed, as the
  // student's are not: it has scored the whole test split before its rows are timed.
  for (const [i, text] of texts.entries()) {
    const start = performance.now();
    const { vectors } = await encoder.embed([text], { batchSize: 1 });
    softmax(mlpLogits(head.shape, weights, denseRow([...vectors[0]!, ...tabular])));
    if (i >= TEACHER_WARMUP_ROWS) times.push(performance.now() - start);
  }
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  return { latency: latencyFigures(times, 1000 / mean), sizeBytes: headRef.bytes + encoder.bytes };
}

function majorityBaseline(data: TestData): Float64Array[] {
  const { frame, transform } = data;
  const train = labelIndices(frame, transform, rowsOfSplit(frame, 'train'));
  const counts = new Array<number>(transform.labels.length).fill(0);
  train.forEach((c) => counts[c]!++);
  const majority = counts.indexOf(Math.max(...counts));
  return data.testRows.map(() => Float64Array.from(counts, (_, k) => (k === majority ? 1 : 0)));
}

function headline(metrics: ClassificationMetrics, scored: Scored, truth: readonly number[]): ModelFigures {
  const { accuracy, macroF1, rocAuc, logLoss } = metrics;
  const ece = expectedCalibrationError(scored.probabilities, truth);
  const size = scored.sizeBytes === undefined ? {} : { sizeBytes: scored.sizeBytes };
  return { accuracy, macroF1, rocAuc, logLoss, ece, ...scored.latency, ...size };
}

function agreementOf(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  return a.filter((p, i) => argmax(p) === argmax(b[i]!)).length / Math.max(1, a.length);
}
