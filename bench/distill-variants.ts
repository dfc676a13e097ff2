/**
 * Measures the distillation options on real data: the default student, class weights
 * ('balanced'), transfer-set augmentation (Tang et al. 2019) and the embedding-bag student, each
 * evaluated on the same test split next to the teacher, the hard-label student and the TF-IDF
 * baseline. Runs the pipeline's activities in-process (no Temporal server); the teacher's
 * embeddings are cached under $DISTILLERY_HOME, so a second run skips the encoder.
 *
 * Augmentation labels the perturbed texts as `loadTeacher` would: the frozen encoder embeds them
 * and the fitted teacher head scores them; the rows are appended to the teacher-logits artifact.
 *
 * Usage: tsx bench/distill-variants.ts [sms|banking77 ...] [--variants=default,balanced,...].
 * Writes bench/results/distill-variants.{json,md}.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createAcceleratorActivities, createCpuActivities } from '../activities';
import { rowsOfSplit, tabularMatrix, textsOf, type PreparedTransform } from '../activities/prepared';
import type { StoredTeacherHead } from '../activities/teacher';
import { readFrame, writeFrame } from '../artifacts/parquet';
import { parsePipelineConfig, type PipelineConfigInput } from '../common/config';
import { ROW_ID_COLUMN } from '../common/constants';
import type { ArtifactRef } from '../common/contracts';
import { column } from '../core/data/frame';
import { appendTransferRows, planTransferSet } from '../core/ml/augment/transfer-set';
import { decodeWeights, denseRow } from '../core/ml/mlp';
import { predictBatched } from '../core/ml/train-mlp';
import { createDeps, type WiredDeps } from '../workers/deps';
import { loadSettings } from '../workers/settings';

const DATASETS = resolve(__dirname, '..', '..', 'shared', 'datasets');
const RESULTS = resolve(__dirname, 'results');

const DATA: Record<string, Pick<PipelineConfigInput, 'dataPath' | 'label' | 'text' | 'modelName'>> = {
  sms: { dataPath: join(DATASETS, 'sms_spam', 'sms_spam.csv'), label: 'label', text: 'text', modelName: 'sms' },
  banking77: { dataPath: join(DATASETS, 'banking77', 'train.csv'), label: 'category', text: 'text', modelName: 'b77' },
};

/** Each option against 'unweighted' (the defaults before class weights became 'balanced'). */
const VARIANTS: Record<string, Partial<PipelineConfigInput>> = {
  unweighted: { student: { classWeights: 'none' } },
  balanced: { student: { classWeights: 'balanced' } },
  augmented: { student: { classWeights: 'none' }, distillation: { augmentation: { copies: 2 } } },
  embeddingBag: { student: { classWeights: 'none', architecture: 'embedding-bag' } },
};

const MODELS = ['teacher', 'student', 'hardLabelStudent', 'tfidfLogReg'] as const;

type Figures = Record<string, Record<string, number | null>>;

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--variants='));
  const names = args.length ? args : ['sms', 'banking77'];
  const deps = createDeps(
    loadSettings({ ...process.env, DISTILLERY_HOME: process.env.DISTILLERY_HOME ?? '.distillery/bench' }),
  );
  const results: Record<string, Record<string, { seconds: number; transferRows: number; figures: Figures }>> = {};
  try {
    for (const name of names) results[name] = await measureDataset(deps, name);
  } finally {
    await deps.close();
  }
  await mkdir(RESULTS, { recursive: true });
  const previous = JSON.parse(await readFile(join(RESULTS, 'distill-variants.json'), 'utf8').catch(() => '{}'));
  const merged = { ...previous, ...results, date: new Date().toISOString() };
  await writeFile(join(RESULTS, 'distill-variants.json'), JSON.stringify(merged, null, 2) + '\n');
  await writeFile(join(RESULTS, 'distill-variants.md'), markdown(merged));
  console.log(markdown(merged));
}

async function measureDataset(deps: WiredDeps, name: string) {
  const cpu = createCpuActivities(deps);
  const accelerator = createAcceleratorActivities(deps);
  const base = parsePipelineConfig({ ...DATA[name], seed: 42 });
  const cleaned = await run(cpu.clean, { config: base });
  const deduped = await run(cpu.dedupe, { config: base, input: cleaned.outputs.cleaned! });
  const standardized = await run(cpu.standardize, { config: base, input: deduped.outputs.deduped! });
  const prepared = { standardized: standardized.outputs.standardized!, transform: standardized.outputs.transform! };
  const selected = await run(cpu.selectFeatures, { config: base, input: prepared.standardized });
  const teacherInputs = { ...prepared, featureSelection: selected.outputs.featureSelection! };
  const teacher = await run(accelerator.loadTeacher, { config: base, ...teacherInputs });
  const out: Record<string, { seconds: number; transferRows: number; figures: Figures }> = {};
  const only = process.argv
    .find((a) => a.startsWith('--variants='))
    ?.slice('--variants='.length)
    .split(',');
  for (const [variant, overrides] of Object.entries(VARIANTS).filter(([v]) => !only || only.includes(v))) {
    const config = parsePipelineConfig({ ...DATA[name], seed: 42, ...overrides });
    const started = Date.now();
    const teacherLogits = await transferLogits(deps, config.distillation.augmentation, config.seed, {
      ...prepared,
      teacherLogits: teacher.outputs.teacherLogits!,
      teacherHead: teacher.outputs.teacherHead!,
    });
    const distilled = await run(accelerator.distill, { config, ...teacherInputs, teacherLogits });
    const evaluated = await run(accelerator.evaluate, {
      config,
      cleaned: cleaned.outputs.cleaned!,
      ...prepared,
      teacherLogits,
      teacherHead: teacher.outputs.teacherHead!,
      student: distilled.outputs.student!,
      hardLabelStudent: distilled.outputs.hardLabelStudent!,
    });
    const seconds = (Date.now() - started) / 1000;
    const transferRows = Number(distilled.summary.transferRows ?? 0);
    out[variant] = { seconds, transferRows, figures: evaluated.summary.figures as unknown as Figures };
    console.log(name, variant, seconds.toFixed(1), JSON.stringify(pick(out[variant].figures)));
  }
  return out;
}

/**
 * The teacher-logits artifact with the transfer set appended: what `loadTeacher` writes once it
 * calls planTransferSet / appendTransferRows. Unchanged when augmentation is off.
 */
async function transferLogits(
  deps: WiredDeps,
  options: ReturnType<typeof parsePipelineConfig>['distillation']['augmentation'],
  seed: number,
  refs: { standardized: ArtifactRef; transform: ArtifactRef; teacherLogits: ArtifactRef; teacherHead: ArtifactRef },
): Promise<ArtifactRef> {
  if (options.copies === 0) return refs.teacherLogits;
  const frame = await readFrame(deps.store, refs.standardized);
  const transform = await deps.store.getJson<PreparedTransform>(refs.transform);
  const all = Array.from({ length: frame.rowCount }, (_, i) => i);
  const rowIds = column(frame, ROW_ID_COLUMN).map(Number);
  const plan = planTransferSet(rowsOfSplit(frame, 'train'), textsOf(frame, transform, all), rowIds, options, seed);
  const head = await deps.store.getJson<StoredTeacherHead>(refs.teacherHead);
  const encoder = await deps.teacher();
  const cached = await deps.embeddingCache.lookup(encoder.identity.sha256, plan.texts, encoder.dimension);
  const missing = plan.texts.flatMap((text, i) => (cached[i] ? [] : [text]));
  const { vectors } = await encoder.embed(missing, { batchSize: 32 });
  await deps.embeddingCache.store(encoder.identity.sha256, missing, vectors);
  let next = 0;
  const embedded = cached.map((v) => v ?? vectors[next++]!);
  const tabular = tabularMatrix(frame, head.tabular, plan.sourceRows);
  const rows = embedded.map((v, i) => denseRow([...v, ...tabular[i]!]));
  const logits = predictBatched(decodeWeights(head.weights, head.shape), head.shape, rows, 'logits');
  const original = await readFrame(deps.store, refs.teacherLogits);
  return writeFrame(deps.store, 'teacherLogits', appendTransferRows(original, plan, logits));
}

function run<I, R>(activity: (input: I) => Promise<R>, input: I): Promise<R> {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
  return env.run(activity, input) as Promise<R>;
}

function pick(figures: Figures) {
  return Object.fromEntries(
    MODELS.map((m) => [m, { acc: figures[m]?.accuracy?.toFixed(4), f1: figures[m]?.macroF1?.toFixed(4) }]),
  );
}

function markdown(results: Record<string, unknown>): string {
  const lines = [
    `Distillation options (tsx bench/distill-variants.ts), ${String(results.date)}. Test split of the pipeline's`,
    'seeded 70/15/15 split (seed 42); SMS Spam Collection (Almeida and Gómez Hidalgo), Banking77 train.csv',
    '(Casanueva et al., 2020). Accuracy / macro-F1 per model.',
    '',
    '| data | variant | transfer rows | teacher | student | hard-label student | TF-IDF + LR | seconds |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [data, variants] of Object.entries(results)) {
    if (data === 'date') continue;
    for (const [variant, r] of Object.entries(
      variants as Record<string, { seconds: number; transferRows: number; figures: Figures }>,
    )) {
      const cell = (m: string) => `${r.figures[m]?.accuracy?.toFixed(4)} / ${r.figures[m]?.macroF1?.toFixed(4)}`;
      lines.push(
        `| ${data} | ${variant} | ${r.transferRows} | ${MODELS.map(cell).join(' | ')} | ${r.seconds.toFixed(0)} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

void main();
