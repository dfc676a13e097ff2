/**
 * Transfer-set augmentation at the teacher step: with `distillation.augmentation.copies` > 0,
 * `loadTeacher` appends the perturbed training texts, labelled by the teacher, to its logits
 * artifact, and `distill` trains on them; with copies 0 (the default) the artifact holds the
 * original rows only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createAcceleratorActivities, createCpuActivities } from '../../../activities';
import { rowsOfSplit, textsOf, type PreparedTransform } from '../../../activities/prepared';
import { readFrame } from '../../../artifacts/parquet';
import { parsePipelineConfig } from '../../../common/config';
import { ROW_ID_COLUMN } from '../../../common/constants';
import { column } from '../../../core/data/frame';
import { planTransferSet, readTransferRows } from '../../../core/ml/augment/transfer-set';
import { createDeps, type WiredDeps } from '../../../workers/deps';
import { activityEnvironment, runIn } from './chain';
import { writeSpamHamCsv } from './spam-ham';

describe('transfer-set augmentation in loadTeacher', () => {
  let home: string;
  let deps: WiredDeps;
  let dataPath: string;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'distillery-transfer-'));
    deps = createDeps({ home, namespace: 'default' });
    dataPath = join(home, 'spam-ham.csv');
    writeSpamHamCsv(dataPath);
  });

  afterAll(async () => {
    await deps?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  async function teacherAndDistill(copies: number) {
    const config = parsePipelineConfig({
      dataPath,
      label: 'label',
      text: 'text',
      modelName: 'transfer',
      student: { epochs: 2 },
      distillation: { augmentation: { copies } },
    });
    const cpu = createCpuActivities(deps);
    const accelerator = createAcceleratorActivities(deps);
    const run = <I, R>(activity: (i: I) => Promise<R>, i: I) => runIn(activityEnvironment(), activity, i);
    const cleaned = await run(cpu.clean, { config });
    const deduped = await run(cpu.dedupe, { config, input: cleaned.outputs.cleaned! });
    const standardized = await run(cpu.standardize, { config, input: deduped.outputs.deduped! });
    const prepared = { standardized: standardized.outputs.standardized!, transform: standardized.outputs.transform! };
    const selected = await run(cpu.selectFeatures, { config, input: prepared.standardized });
    const inputs = { config, ...prepared, featureSelection: selected.outputs.featureSelection! };
    const teacher = await run(accelerator.loadTeacher, inputs);
    const distilled = await run(accelerator.distill, { ...inputs, teacherLogits: teacher.outputs.teacherLogits! });
    const frame = await readFrame(deps.store, prepared.standardized);
    const transform = await deps.store.getJson<PreparedTransform>(prepared.transform);
    const all = Array.from({ length: frame.rowCount }, (_, i) => i);
    const rowIds = column(frame, ROW_ID_COLUMN).map(Number);
    const train = rowsOfSplit(frame, 'train');
    const texts = textsOf(frame, transform, all);
    const plan = planTransferSet(train, texts, rowIds, config.distillation.augmentation, config.seed);
    const logits = await readFrame(deps.store, teacher.outputs.teacherLogits!);
    return { frame, transform, plan, logits, teacher, distilled };
  }

  it('appends the teacher-labelled perturbed training texts, and distill trains on them', async () => {
    const { frame, transform, plan, logits, teacher, distilled } = await teacherAndDistill(2);
    expect(plan.texts.length).toBeGreaterThan(rowsOfSplit(frame, 'train').length);
    expect(teacher.summary.transferRows).toBe(plan.texts.length);
    expect(logits.rowCount).toBe(frame.rowCount + plan.texts.length);
    const { original, transfer } = readTransferRows(logits, transform.labels.length);
    expect(original).toHaveLength(frame.rowCount);
    expect(transfer.map((t) => t.text)).toEqual(plan.texts);
    expect(transfer.map((t) => t.sourceRowId)).toEqual(plan.sourceRowIds);
    expect(transfer.every((t) => t.logits.every(Number.isFinite))).toBe(true);
    expect(distilled.summary.transferRows).toBe(plan.texts.length);
  });

  it('leaves the artifact at the original rows when copies is 0 (the default)', async () => {
    const { frame, logits, teacher, distilled } = await teacherAndDistill(0);
    expect(logits.rowCount).toBe(frame.rowCount);
    expect(logits.columns).not.toContain('__augmented_text');
    expect(teacher.summary.transferRows).toBe(0);
    expect(distilled.summary.transferRows).toBe(0);
  });
});
