/**
 * Every real dataset in ../shared/datasets, as published, through the activities of the pipeline
 * (clean → dedupe → standardize → select → teacher → distill → evaluate → register) with short
 * training, over the dependencies a worker wires. Text datasets run on subsets, so that the USE Lite
 * teacher embeds a few hundred texts; the subset files keep the original format (header-less TSV,
 * `, ` separators and `?` markers, `;` with quoted headers, an unnamed index column).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ApplicationFailure } from '@temporalio/common';

import { createAcceleratorActivities, createCpuActivities } from '../../activities';
import { readFrame } from '../../artifacts/parquet';
import { parsePipelineConfig, type PipelineConfig, type PipelineConfigInput } from '../../common/config';
import type { StepName } from '../../common/constants';
import type { ArtifactRef, StepRecord, StepResult } from '../../common/contracts';
import { quoteLiteral, withDuckDb } from '../../core/data/duckdb';
import { readTable } from '../../core/data/formats';
import { seededRandom, shuffled } from '../../core/util/random';
import { getLineage } from '../../registry/repository';
import { createDeps, type WiredDeps } from '../../workers/deps';
import { activityEnvironment, registerInput, runIn, type Accelerator, type Cpu } from '../unit/activities/chain';
import { DATASETS } from '../support/sms-subset';

jest.setTimeout(10 * 60_000);

const ADULT_COLUMNS = [
  'age',
  'workclass',
  'fnlwgt',
  'education',
  'education-num',
  'marital-status',
  'occupation',
  'relationship',
  'race',
  'sex',
  'capital-gain',
  'capital-loss',
  'hours-per-week',
  'native-country',
  'income',
];

type Result = StepResult<Record<string, unknown>>;

interface Run {
  /** Each run registers under its own workflow execution, as registration is idempotent per run. */
  execution: { workflowId: string; runId: string };
  config: PipelineConfig;
  steps: StepRecord[];
  results: Partial<Record<StepName, Result>>;
}

let home: string;
let deps: WiredDeps;
let cpu: Cpu;
let accelerator: Accelerator;
let runs = 0;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'distillery-datasets-'));
  deps = createDeps({ home, namespace: 'default' });
  cpu = createCpuActivities(deps);
  accelerator = createAcceleratorActivities(deps);
});

afterAll(async () => {
  await deps?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The first `lines` physical lines of a file, byte for byte (for files without multi-line cells). */
async function headLines(source: string, lines: number, name: string): Promise<string> {
  const text = await readFile(source, 'latin1');
  const target = join(home, name);
  await writeFile(target, text.split('\n').slice(0, lines).join('\n') + '\n', 'latin1');
  return target;
}

/**
 * A seeded subset of `perClass` rows of every class, written as CSV with every present cell quoted.
 * An unnamed index column is renumbered 0, 1, 2, …, as pandas writes a subset after `reset_index`.
 */
async function stratifiedSubset(source: string, label: string, perClass: number, name: string): Promise<string> {
  const { frame } = await readTable(source);
  const random = seededRandom(11);
  const byClass = new Map<string, number[]>();
  frame.values[label]!.forEach((l, row) => byClass.set(String(l), [...(byClass.get(String(l)) ?? []), row]));
  const rows = [...byClass.values()].flatMap((r) => shuffled(r, random).slice(0, perClass)).sort((a, b) => a - b);
  const quote = (cell: unknown): string => (cell === null ? '' : `"${String(cell).replace(/"/g, '""')}"`);
  const header = frame.columns.map((c) => (c === 'column1' ? '' : quote(c))).join(',');
  const cell = (c: string, row: number, i: number): string =>
    c === 'column1' ? String(i) : quote(frame.values[c]![row]);
  const body = rows.map((row, i) => frame.columns.map((c) => cell(c, row, i)).join(','));
  const target = join(home, name);
  await writeFile(target, [header, ...body].join('\n') + '\n');
  return target;
}

/** Runs one step in a mock activity context and records it as the workflow does, for lineage. */
async function step<I, R extends StepResult<object>>(
  run: Run,
  name: StepName,
  inputs: Record<string, ArtifactRef>,
  activity: (i: I) => Promise<R>,
  input: I,
): Promise<R> {
  const startedAt = new Date().toISOString();
  const result = await runIn(activityEnvironment({ workflowExecution: run.execution }), activity, input);
  run.steps.push({
    step: name,
    inputs,
    outputs: result.outputs,
    params: {},
    summary: { ...result.summary },
    startedAt,
    finishedAt: new Date().toISOString(),
  });
  run.results[name] = { outputs: result.outputs, summary: { ...result.summary } };
  return result;
}

/** Runs every step of the pipeline for `input`, with short training, and registers the model. */
async function runPipeline(input: PipelineConfigInput): Promise<Run> {
  const config = parsePipelineConfig({
    student: { epochs: 4 },
    teacher: { headEpochs: 40 },
    gate: { minMacroF1Ratio: 0 },
    ...input,
  });
  const execution = { workflowId: `datasets-${config.modelName}`, runId: `run-${++runs}` };
  const run: Run = { execution, config, steps: [], results: {} };
  const cleaned = await step(run, 'clean', {}, cpu.clean, { config });
  const fromCleaned = { input: cleaned.outputs.cleaned! };
  const deduped = await step(run, 'dedupe', fromCleaned, cpu.dedupe, { config, ...fromCleaned });
  const fromDeduped = { input: deduped.outputs.deduped! };
  const standardized = await step(run, 'standardize', fromDeduped, cpu.standardize, { config, ...fromDeduped });
  const prepared = { standardized: standardized.outputs.standardized!, transform: standardized.outputs.transform! };
  const fromPrepared = { input: prepared.standardized };
  const selected = await step(run, 'selectFeatures', fromPrepared, cpu.selectFeatures, { config, ...fromPrepared });
  const teacherInputs = { ...prepared, featureSelection: selected.outputs.featureSelection! };
  const teacher = await step(run, 'loadTeacher', teacherInputs, accelerator.loadTeacher, { config, ...teacherInputs });
  const distillInputs = { ...teacherInputs, teacherLogits: teacher.outputs.teacherLogits! };
  const distilled = await step(run, 'distill', distillInputs, accelerator.distill, { config, ...distillInputs });
  const evaluateInputs = {
    cleaned: cleaned.outputs.cleaned!,
    ...prepared,
    teacherLogits: teacher.outputs.teacherLogits!,
    teacherHead: teacher.outputs.teacherHead!,
    student: distilled.outputs.student!,
    hardLabelStudent: distilled.outputs.hardLabelStudent!,
  };
  const evaluated = await step(run, 'evaluate', evaluateInputs, accelerator.evaluate, { config, ...evaluateInputs });
  const parts = { cleaned, selected, teacher, distilled, evaluated };
  await runIn(
    activityEnvironment({ workflowExecution: execution }),
    cpu.register,
    registerInput(config, run.steps, parts),
  );
  return run;
}

/** The columns and types of a Parquet artifact, as DuckDB reads them from the file. */
async function parquetSchema(ref: ArtifactRef): Promise<{ name: string; type: string }[]> {
  const path = await deps.store.localPath(ref);
  return withDuckDb(async (db) => {
    const reader = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(path)})`);
    return reader.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
  });
}

/** Every data step's Parquet output has the schema its lineage records. */
async function expectSchemasInLineage(run: Run): Promise<void> {
  const lineage = await getLineage(await deps.registry(), run.config.modelName);
  const outputs: [StepName, string][] = [
    ['clean', 'cleaned'],
    ['dedupe', 'deduped'],
    ['standardize', 'standardized'],
  ];
  for (const [name, output] of outputs) {
    const recorded = lineage.steps.find((s) => s.step === name)!;
    const artifact = recorded.outputs.find((o) => o.name === output)!;
    expect(artifact.uri).toMatch(/\.parquet$/);
    expect(recorded.summary.schema).toEqual(await parquetSchema(run.results[name]!.outputs[output]!));
  }
}

function summary(run: Run, name: StepName): Record<string, unknown> {
  return run.results[name]!.summary;
}

function macroF1(run: Run, model: string): number {
  const figures = summary(run, 'evaluate').figures as Record<string, { macroF1: number }>;
  return figures[model]!.macroF1;
}

describe('SMS Spam, header-less TSV as published (first 400 lines)', () => {
  let run: Run;

  beforeAll(async () => {
    const dataPath = await headLines(join(DATASETS, 'sms_spam/SMSSpamCollection'), 400, 'SMSSpamCollection');
    run = await runPipeline({
      dataPath,
      label: 'label',
      text: 'text',
      modelName: 'sms-tsv',
      csv: { header: false, columnNames: ['label', 'text'] },
      dedupe: { nearDuplicates: true },
    });
  });

  it('reads 400 tab-separated rows with the given names and removes exact and near duplicates', () => {
    expect(summary(run, 'clean')).toMatchObject({
      rowsIn: 400,
      rowsOut: 400,
      read: { delimiter: '\t', header: false, format: 'csv' },
    });
    expect(summary(run, 'dedupe')).toMatchObject({ rowsIn: 400, conflictingGroups: 0 });
    const dedupe = summary(run, 'dedupe') as { exactDuplicates: number; nearDuplicates: number; rowsOut: number };
    expect(dedupe.rowsOut).toBe(
      400 - dedupe.exactDuplicates - dedupe.nearDuplicates - Number(summary(run, 'dedupe').normalizedDuplicates),
    );
  });

  it('trains a student that beats the majority class and records each Parquet schema in lineage', async () => {
    expect(macroF1(run, 'student')).toBeGreaterThan(macroF1(run, 'majority'));
    await expectSchemasInLineage(run);
  });
});

describe('SMS Spam CSV, a stratified subset, run twice under one model name', () => {
  let first: Run;
  let second: Run;

  beforeAll(async () => {
    const dataPath = await stratifiedSubset(join(DATASETS, 'sms_spam/sms_spam.csv'), 'label', 120, 'sms.csv');
    const input = { dataPath, label: 'label', text: 'text', modelName: 'sms-csv' };
    first = await runPipeline(input);
    second = await runPipeline({ ...input, drift: { policy: 'fail' } });
  });

  it('profiles the data and finds no drift against the previous run of the same data', () => {
    expect(summary(first, 'clean').drift).toEqual({
      findings: [],
      status: 'ok',
      baselineVersion: null,
      policy: 'warn',
    });
    expect(summary(second, 'clean').drift).toEqual({ findings: [], status: 'ok', baselineVersion: 1, policy: 'fail' });
  });

  it('trains a student that beats the majority class', () => {
    expect(macroF1(second, 'student')).toBeGreaterThan(macroF1(second, 'majority'));
  });
});

describe('Banking77, 77 intents, 4 rows per intent', () => {
  let run: Run;

  beforeAll(async () => {
    const dataPath = await stratifiedSubset(join(DATASETS, 'banking77/train.csv'), 'category', 4, 'banking77.csv');
    run = await runPipeline({ dataPath, label: 'category', text: 'text', modelName: 'banking77' });
  });

  it('keeps all 77 classes through the split and trains above the majority baseline', async () => {
    expect(summary(run, 'clean')).toMatchObject({ rowsIn: 308, rowsOut: 308 });
    expect((summary(run, 'standardize').classes as string[]).length).toBe(77);
    expect(macroF1(run, 'student')).toBeGreaterThan(macroF1(run, 'majority'));
    await expectSchemasInLineage(run);
  });
});

describe('Women’s clothing reviews: text plus tabular columns, an unnamed index, missing values', () => {
  let run: Run;

  beforeAll(async () => {
    const source = join(DATASETS, 'womens_clothing_reviews/womens_clothing_ecommerce_reviews.csv');
    const dataPath = await stratifiedSubset(source, 'Recommended IND', 150, 'clothing.csv');
    run = await runPipeline({
      dataPath,
      label: 'Recommended IND',
      text: 'Review Text',
      modelName: 'clothing',
      dedupe: { conflictPolicy: 'drop' },
    });
  });

  it('keeps the index and Clothing ID as identifiers, out of the features, and Initmates as a category', async () => {
    const read = summary(run, 'clean').read as { identifiers: { name: string; reason: string }[] };
    const cleaned = await readFrame(deps.store, run.results.clean!.outputs.cleaned!);

    expect(read.identifiers).toEqual([
      { name: 'column1', reason: 'row index' },
      { name: 'Clothing ID', reason: 'named as an identifier' },
    ]);
    expect(cleaned.columns).not.toContain('column1');
    expect(cleaned.columns).not.toContain('Clothing ID');
    expect(cleaned.values['Division Name']).toContain('Initmates');
  });

  it('fills missing review texts, one-hot encodes the categories and trains above the majority baseline', async () => {
    const standardized = await readFrame(deps.store, run.results.standardize!.outputs.standardized!);

    expect(Number(summary(run, 'clean').missingTextFilled)).toBeGreaterThan(0);
    expect(standardized.columns).toContain('Department Name=__unknown__');
    expect(macroF1(run, 'student')).toBeGreaterThan(macroF1(run, 'majority'));
    await expectSchemasInLineage(run);
  });
});

describe('Adult, adult.data as published: no header, ", " separators, "?" for missing (first 1,500 rows)', () => {
  let run: Run;

  beforeAll(async () => {
    const dataPath = await headLines(join(DATASETS, 'adult/adult.data'), 1500, 'adult.data');
    run = await runPipeline({
      dataPath,
      label: 'income',
      modelName: 'adult',
      csv: { header: false, columnNames: ADULT_COLUMNS },
      missingValues: ['?'],
    });
  });

  it('reads numbers despite the leading spaces and counts "?" as missing', () => {
    const read = summary(run, 'clean').read as { columns: { name: string; type: string; missing: number }[] };
    const byName = Object.fromEntries(read.columns.map((c) => [c.name, c]));

    expect(byName.age).toMatchObject({ type: 'number', missing: 0 });
    expect(byName['hours-per-week']).toMatchObject({ type: 'number', missing: 0 });
    expect(byName.workclass!.missing).toBeGreaterThan(0);
    expect(summary(run, 'standardize').classes).toEqual(['<=50K', '>50K']);
  });

  it('trains a tabular teacher and student above the majority baseline', async () => {
    expect(macroF1(run, 'student')).toBeGreaterThan(macroF1(run, 'majority'));
    await expectSchemasInLineage(run);
  });
});

describe('Wine quality, ";"-delimited with quoted headers; white wine then fails the drift check', () => {
  let run: Run;

  beforeAll(async () => {
    run = await runPipeline({
      dataPath: join(DATASETS, 'wine_quality/winequality-red.csv'),
      label: 'quality',
      modelName: 'wine',
    });
  });

  it('reads 1,599 rows of 12 numeric columns under their quoted names, and drops 240 exact duplicates', () => {
    const read = summary(run, 'clean').read as { delimiter: string; columns: { name: string; type: string }[] };

    expect(read.delimiter).toBe(';');
    expect(read.columns.filter((c) => c.type === 'number')).toHaveLength(12);
    expect(read.columns[0]!.name).toBe('fixed acidity');
    expect(summary(run, 'dedupe')).toMatchObject({ rowsIn: 1599, exactDuplicates: 240, rowsOut: 1359 });
    expect(summary(run, 'standardize').classes).toEqual(['3', '4', '5', '6', '7', '8']);
  });

  it('trains above the majority baseline and records each Parquet schema in lineage', async () => {
    expect(macroF1(run, 'student')).toBeGreaterThan(macroF1(run, 'majority'));
    await expectSchemasInLineage(run);
  });

  it('fails at clean when white wine comes under the same model name with drift policy fail', async () => {
    const config = parsePipelineConfig({
      dataPath: join(DATASETS, 'wine_quality/winequality-white.csv'),
      label: 'quality',
      modelName: 'wine',
      drift: { policy: 'fail' },
    });

    const failure = await runIn(activityEnvironment(), cpu.clean, { config }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'DataDrift', nonRetryable: true });
    const [details] = (failure as ApplicationFailure).details as [
      { baselineVersion: number; findings: { column: string; kind: string }[] },
    ];
    expect(details.baselineVersion).toBe(1);
    expect(details.findings).toContainEqual(expect.objectContaining({ column: 'residual sugar', kind: 'meanShift' }));
    expect((failure as ApplicationFailure).message).toContain('residual sugar');
  });
});
