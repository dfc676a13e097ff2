/**
 * The eight pipeline activities, for real, in sequence, each inside Temporal's mock activity
 * context, over the dependencies a worker wires (local store, embedding cache, PGlite registry,
 * USE Lite teacher) in a fresh folder. The chain runs once; each test checks one step's result.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createAcceleratorActivities, createCpuActivities } from '../../../activities';
import type { FeatureSelection, PreparedTransform } from '../../../activities/prepared';
import { readFrame } from '../../../artifacts/parquet';
import type { StudentBundle } from '../../../core/bundle';
import { column } from '../../../core/data/frame';
import { USE_LITE_IDENTITY } from '../../../core/ml/teacher/use-lite';
import { getLineage, setAlias } from '../../../registry/repository';
import { createDeps, type WiredDeps } from '../../../workers/deps';
import {
  activityEnvironment,
  registerInput,
  classesBySplit,
  meanAndPopulationStd,
  runChain,
  runIn,
  WORKFLOW,
  type Accelerator,
  type Chain,
  type Cpu,
} from './chain';
import { SPAM_HAM, writeSpamHamCsv } from './spam-ham';

describe('pipeline activities run in sequence on a 60-row spam/ham file', () => {
  let home: string;
  let deps: WiredDeps;
  let cpu: Cpu;
  let accelerator: Accelerator;
  let chain: Chain;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'distillery-activities-'));
    const dataPath = join(home, 'spam-ham.csv');
    writeSpamHamCsv(dataPath);
    deps = createDeps({ home, namespace: 'default' });
    cpu = createCpuActivities(deps);
    accelerator = createAcceleratorActivities(deps);
    // Loaded up front, so that the teacher step's tensor counts measure leaks, not the model itself.
    await deps.teacher();
    chain = await runChain(deps, cpu, accelerator, dataPath);
  }, 150_000);

  afterAll(async () => {
    await deps?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  describe('clean', () => {
    it('drops the row without a label, decodes the HTML entity and stores the input file as the dataset', () => {
      const { summary, outputs } = chain.cleaned;

      expect(summary).toMatchObject({
        rowsIn: SPAM_HAM.rows,
        rowsOut: SPAM_HAM.rows - SPAM_HAM.missingLabel,
        droppedMissingLabel: SPAM_HAM.missingLabel,
        htmlDecoded: SPAM_HAM.htmlEntities,
        missingTextFilled: 0,
      });
      expect(outputs.dataset).toMatchObject({ kind: 'dataset', sha256: chain.datasetSha256 });
    });

    it('writes a Parquet frame of label, text, the features and the source row id', async () => {
      const frame = await readFrame(deps.store, chain.cleaned.outputs.cleaned!);

      expect(frame.columns).toEqual(['label', 'text', 'len', 'channel', 'version', '__row_id']);
      expect(frame.rowCount).toBe(59);
      expect(column(frame, 'text')).toContain('Tom & Jerry will see you at lunch tomorrow, bring the notes 205');
      expect(column(frame, '__row_id')).not.toContain(22);
    });
  });

  describe('dedupe', () => {
    it('removes three exact repeats and two repeats that differ only in case or spacing', () => {
      expect(chain.deduped.summary).toMatchObject({
        rowsIn: 59,
        exactDuplicates: SPAM_HAM.exactDuplicates,
        normalizedDuplicates: SPAM_HAM.normalizedDuplicates,
        conflictingGroups: 0,
        rowsOut: SPAM_HAM.spam + SPAM_HAM.ham,
      });
    });
  });

  describe('standardize', () => {
    it('splits every class across train, validation and test with the seeded counts', async () => {
      const frame = await readFrame(deps.store, chain.standardized.outputs.standardized!);

      expect(chain.standardized.summary).toMatchObject({ train: 36, validation: 9, test: 9, classes: ['ham', 'spam'] });
      expect(classesBySplit(frame)).toEqual({
        ham: { train: 20, validation: 5, test: 5 },
        spam: { train: 16, validation: 4, test: 4 },
      });
    });

    it('fits the mean and std of len on the training rows only', async () => {
      const deduped = await readFrame(deps.store, chain.deduped.outputs.deduped!);
      const frame = await readFrame(deps.store, chain.standardized.outputs.standardized!);
      const transform = await deps.store.getJson<PreparedTransform>(chain.standardized.outputs.transform!);
      const splits = column(frame, '__split');
      const rawLen = column(deduped, 'len').map(Number);
      const trainLen = rawLen.filter((_, i) => splits[i] === 'train');

      const fitted = transform.fitted.numeric.find((n) => n.name === 'len');

      expect(column(frame, '__row_id')).toEqual(column(deduped, '__row_id'));
      const expected = meanAndPopulationStd(trainLen);
      expect(fitted?.mean).toBeCloseTo(expected.mean, 10);
      expect(fitted?.std).toBeCloseTo(expected.std, 10);
      expect(fitted?.mean).not.toBeCloseTo(meanAndPopulationStd(rawLen).mean, 3);
    });

    it('scales len to mean 0 and std 1 on the training rows and the constant column to exactly 0', async () => {
      const frame = await readFrame(deps.store, chain.standardized.outputs.standardized!);
      const splits = column(frame, '__split');
      const trainLen = column(frame, 'len')
        .map(Number)
        .filter((_, i) => splits[i] === 'train');

      const { mean, std } = meanAndPopulationStd(trainLen);

      expect(mean).toBeCloseTo(0, 10);
      expect(std).toBeCloseTo(1, 10);
      expect(new Set(column(frame, 'version'))).toEqual(new Set([0]));
    });
  });

  describe('selectFeatures', () => {
    it('ranks the spam words first, excludes the constant column and scores nothing as NaN', async () => {
      const selection = await deps.store.getJson<FeatureSelection>(chain.selected.outputs.featureSelection!);

      expect(chain.selected.summary.topTerms).toContain('free');
      expect(selection.tabular.scores.find((s) => s.name === 'version')).toEqual({
        name: 'version',
        score: 0,
        excluded: true,
        reason: 'constant',
      });
      expect(selection.tabular.selected).not.toContain('version');
      expect(selection.tabular.scores.every((s) => Number.isFinite(s.score))).toBe(true);
      expect(selection.text.terms.every((t) => Number.isFinite(t.chi2))).toBe(true);
    });
  });

  describe('loadTeacher', () => {
    it('writes one row of logits per input row, keyed by row id, and names the USE Lite teacher', async () => {
      const logits = await readFrame(deps.store, chain.teacher.outputs.teacherLogits!);
      const standardized = await readFrame(deps.store, chain.standardized.outputs.standardized!);

      expect(logits.columns).toEqual(['__row_id', 'logit_0', 'logit_1']);
      expect(column(logits, '__row_id')).toEqual(column(standardized, '__row_id'));
      expect(column(logits, 'logit_0').every((x) => Number.isFinite(x))).toBe(true);
      expect(chain.teacher.summary.teacher.sha256).toBe(USE_LITE_IDENTITY.sha256);
      expect(chain.teacher.summary).toMatchObject({ rowsEmbedded: 54, cacheHits: 0, truncated: 0 });
    });

    it('leaves the live tensor count where it found it', () => {
      expect(chain.teacher.summary.tensorsAfter).toBe(chain.teacher.summary.tensorsBefore);
    });

    it('takes every embedding from the cache when it runs again on the same texts', async () => {
      const inputs = {
        standardized: chain.standardized.outputs.standardized!,
        transform: chain.standardized.outputs.transform!,
        featureSelection: chain.selected.outputs.featureSelection!,
      };

      const again = await runIn(activityEnvironment(), accelerator.loadTeacher, { config: chain.config, ...inputs });

      expect(again.summary).toMatchObject({ rowsEmbedded: 54, cacheHits: 54 });
      expect(again.summary.tensorsAfter).toBe(again.summary.tensorsBefore);
    });
  });

  describe('distill', () => {
    it('trains the distilled and the hard-label student for three epochs without leaking tensors', () => {
      const { outputs, summary } = chain.distilled;

      expect(Object.keys(outputs).sort()).toEqual(['hardLabelStudent', 'student']);
      expect(summary).toMatchObject({ resumedFrom: {}, distilled: { epochs: 3 }, hardLabel: { epochs: 3 } });
      expect(summary.tensorsAfter).toBe(summary.tensorsBefore);
    });

    it('stores a decision rule fitted on validation: a temperature and a binary threshold', async () => {
      const bundle = await deps.store.getJson<StudentBundle>(chain.distilled.outputs.student!);
      const { calibration } = chain.distilled.summary.distilled as { calibration: Record<string, number> };

      expect(bundle.decision.temperature).toBeGreaterThan(0);
      expect(bundle.decision.threshold).toBeGreaterThan(0);
      expect(bundle.decision.threshold).toBeLessThanOrEqual(1);
      expect(calibration).toMatchObject({
        temperature: bundle.decision.temperature,
        threshold: bundle.decision.threshold,
      });
      expect(calibration.validationEceAfter).toBeGreaterThanOrEqual(0);
    });

    it('heartbeats a checkpoint of the distilled student after each epoch', () => {
      const epochs = chain.distillBeats.map((b) => b.checkpoints?.distilled?.epoch);

      expect([...new Set(epochs)]).toEqual([undefined, 1, 2, 3]);
      expect(chain.distillBeats.at(-1)?.checkpoints).toMatchObject({
        distilled: { epoch: 3 },
        hardLabel: { epoch: 3 },
      });
    });

    it('resumes from the last heartbeat of a previous attempt without training further epochs', async () => {
      const input = {
        config: chain.config,
        standardized: chain.standardized.outputs.standardized!,
        transform: chain.standardized.outputs.transform!,
        featureSelection: chain.selected.outputs.featureSelection!,
        teacherLogits: chain.teacher.outputs.teacherLogits!,
      };
      const env = activityEnvironment({ heartbeatDetails: chain.distillBeats.at(-1) });
      const beats: unknown[] = [];
      env.on('heartbeat', (details: unknown) => beats.push(details));

      const retried = await runIn(env, accelerator.distill, input);

      expect(retried.summary).toMatchObject({
        resumedFrom: { distilled: 3, hardLabel: 3 },
        distilled: { epochs: 3 },
        hardLabel: { epochs: 3 },
      });
      expect(retried.summary.distilled).toHaveProperty('history.length', 3);
      expect(retried.summary.hardLabel).toHaveProperty('history.length', 3);
      expect(beats).toEqual([]);
      expect(retried.outputs).toEqual(chain.distilled.outputs);
      expect(retried.summary.tensorsAfter).toBe(retried.summary.tensorsBefore);
    });
  });

  describe('evaluate', () => {
    it('reports the teacher, both students, the TF-IDF and majority baselines on the 9 test rows', () => {
      const { summary } = chain.evaluated;

      expect(summary.testRows).toBe(9);
      expect(Object.keys(summary.figures).sort()).toEqual([
        'hardLabelStudent',
        'majority',
        'student',
        'teacher',
        'tfidfLogReg',
      ]);
      expect(summary.champion).toEqual({ status: 'none' });
    });

    it('reports the expected calibration error of every model', () => {
      for (const figures of Object.values(chain.evaluated.summary.figures)) {
        expect(figures.ece).toBeGreaterThanOrEqual(0);
        expect(figures.ece).toBeLessThanOrEqual(1);
      }
    });

    it('scores the majority baseline at exactly the share of the training majority class in the test split', () => {
      // Training holds 20 ham and 16 spam, so the baseline always says ham; the test split holds 5 ham of 9.
      expect(chain.evaluated.summary.figures.majority?.accuracy).toBe(5 / 9);
    });

    it('decides the gate and says why', () => {
      const { gate } = chain.evaluated.summary;

      expect(gate).toMatchObject({ passed: expect.any(Boolean), minMacroF1Ratio: 0.95 });
      const teacherCheck = /student macro-F1 \d\.\d{4} [≥<] 0\.95 × teacher \d\.\d{4}/.source;
      expect(gate.reason).toMatch(
        new RegExp(`^(passed|failed): ${teacherCheck}; no production version to compare with$`),
      );
      expect(gate.passed).toBe(gate.studentMacroF1 >= 0.95 * gate.teacherMacroF1);
    });

    it('scores the version holding the production alias on the same test rows, and the gate says so', async () => {
      await setAlias(await deps.registry(), 'spam-filter', 'production', chain.registered.version, 'jest');
      type EvaluateRefs = Omit<Parameters<Accelerator['evaluate']>[0], 'config'>;
      const refs = chain.steps.find((s) => s.step === 'evaluate')!.inputs as unknown as EvaluateRefs;

      const { summary } = await runIn(activityEnvironment(), accelerator.evaluate, { ...refs, config: chain.config });

      // Version 1 is this run's own student, so the champion scores exactly what the candidate scores.
      expect(summary.champion).toEqual({ status: 'compared', version: 1 });
      expect(summary.figures.champion?.macroF1).toBe(summary.figures.student?.macroF1);
      expect(summary.gate.checks[1]).toEqual({
        name: 'champion',
        passed: true,
        detail: expect.stringMatching(/^student macro-F1 (\d\.\d{4}) ≥ production version 1's \1 − 0\.005 on/),
      });
    });
  });

  describe('register', () => {
    it('creates version 1 on the first registration of the run', () => {
      expect(chain.registered).toEqual({ modelName: 'spam-filter', version: 1, created: true });
    });

    it('returns version 1 with created false when the same workflow run registers again', async () => {
      const env = activityEnvironment();
      const input = registerInput(chain.config, chain.steps, chain);

      const retried = await runIn(env, cpu.register, input);

      expect(retried).toEqual({ modelName: 'spam-filter', version: 1, created: false });
    });

    it('records the steps it was given and the dataset hash in the lineage of version 1', async () => {
      const lineage = await getLineage(await deps.registry(), 'spam-filter', 1);

      expect(lineage.steps.map((s) => s.step)).toEqual([
        'clean',
        'dedupe',
        'standardize',
        'selectFeatures',
        'loadTeacher',
        'distill',
        'evaluate',
      ]);
      expect(lineage.dataset.sha256).toBe(chain.datasetSha256);
      expect(lineage.run).toMatchObject({ workflowId: WORKFLOW.workflowId, temporalRunId: WORKFLOW.runId });
      expect(lineage.teacher).toEqual(USE_LITE_IDENTITY);
      expect(lineage.steps[0]?.outputs.map((o) => [o.name, o.sha256])).toEqual([
        ['cleaned', chain.cleaned.outputs.cleaned!.sha256],
        ['dataset', chain.datasetSha256],
        ['profile', chain.cleaned.outputs.profile!.sha256],
      ]);
    });
  });
});
