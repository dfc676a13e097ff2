/**
 * The four data-step activities over a real artifact store, on small files: the configurable rules
 * reach the core, every Parquet output's schema is in the step summary, and rare classes are either
 * refused at the split or dropped with a warning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';

import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { createCpuActivities } from '../../../activities';
import type { FeatureSelection } from '../../../activities/prepared';
import { readFrame } from '../../../artifacts/parquet';
import { parsePipelineConfig, type PipelineConfigInput } from '../../../common/config';
import { createDeps, type WiredDeps } from '../../../workers/deps';

const CASES = resolve(__dirname, '../../fixtures/cases');

function runActivity<I, R>(activity: (input: I) => Promise<R>, input: I): Promise<R> {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
  return env.run(activity, input) as Promise<R>;
}

describe('data-step activities', () => {
  let home: string;
  let deps: WiredDeps;
  let cpu: ReturnType<typeof createCpuActivities>;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'distillery-steps-'));
    deps = createDeps({ home, namespace: 'default' });
    cpu = createCpuActivities(deps);
  });

  afterAll(async () => {
    await deps?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  async function throughSelect(input: PipelineConfigInput) {
    const config = parsePipelineConfig(input);
    const cleaned = await runActivity(cpu.clean, { config });
    const deduped = await runActivity(cpu.dedupe, { config, input: cleaned.outputs.cleaned! });
    const standardized = await runActivity(cpu.standardize, { config, input: deduped.outputs.deduped! });
    const selected = await runActivity(cpu.selectFeatures, { config, input: standardized.outputs.standardized! });
    return { cleaned, deduped, standardized, selected };
  }

  it('drops the singleton class c with a warning when asked, keeping 9 rows (L12)', async () => {
    const { standardized } = await throughSelect({
      dataPath: join(CASES, 'L12-singleton-class.csv'),
      label: 'label',
      modelName: 'l12',
      standardize: { dropRareClasses: true },
    });

    expect(standardized.summary).toMatchObject({
      droppedClasses: [{ class: 'c', count: 1 }],
      classes: ['a', 'b'],
    });
    const counts = standardized.summary as unknown as Record<string, number>;
    expect(counts.train! + counts.validation! + counts.test!).toBe(9);
  });

  it('fails the split naming class c, count 1, by default (L12)', async () => {
    const failure = await throughSelect({
      dataPath: join(CASES, 'L12-singleton-class.csv'),
      label: 'label',
      modelName: 'l12-strict',
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'SplitError', details: [{ class: 'c', count: 1 }] });
  });

  it('reads gzip JSON Lines, records each Parquet schema, normalises label case with the mapping', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({
      order_id: 1000 + i,
      amount: i % 2 === 0 ? i * 10 : i,
      label: i % 2 === 0 ? (i % 4 === 0 ? 'Big' : 'BIG') : 'small',
    }));
    const dataPath = join(home, 'orders.jsonl.gz');
    await writeFile(dataPath, gzipSync(rows.map((r) => JSON.stringify(r)).join('\n')));

    const { cleaned, deduped, standardized } = await throughSelect({
      dataPath,
      label: 'label',
      modelName: 'orders',
      standardize: { labelCase: 'lower' },
    });

    expect(cleaned.summary).toMatchObject({
      read: { format: 'jsonl', gzip: true, identifiers: [{ name: 'order_id', reason: 'named as an identifier' }] },
      schema: [
        { name: 'label', type: 'VARCHAR' },
        { name: 'amount', type: 'DOUBLE' },
        { name: '__row_id', type: 'DOUBLE' },
      ],
    });
    expect(deduped.summary.schema).toEqual(cleaned.summary.schema);
    expect(standardized.summary).toMatchObject({ labelMapping: { Big: 'big', BIG: 'big' }, classes: ['big', 'small'] });
    expect(standardized.summary.schema).toEqual([
      { name: 'label', type: 'VARCHAR' },
      { name: 'amount', type: 'DOUBLE' },
      { name: '__row_id', type: 'DOUBLE' },
      { name: '__split', type: 'VARCHAR' },
    ]);
  });

  it('scores chi2 on unscaled values and near-deduplicates texts when configured', async () => {
    const texts = [
      'win a free prize now by calling this number today',
      'win a free prize now by calling this number today please',
      'see you at lunch tomorrow with the notes',
      'see you at lunch tomorrow with the notes ok',
      'meeting moved to friday afternoon at three',
      'claim your free cash prize reply yes now',
      'are we still on for dinner tonight',
      'urgent you have won a guaranteed reward',
    ];
    const labels = ['spam', 'spam', 'ham', 'ham', 'ham', 'spam', 'ham', 'spam'];
    const counts = [3, 3, 0, 0, 1, 4, 0, 5];
    const lines = texts.map((t, i) => `${labels[i]},${t},${counts[i]}`);
    const dataPath = join(home, 'texts.csv');
    await writeFile(dataPath, ['label,text,exclaims', ...lines, ...lines.slice(4)].join('\n') + '\n');

    const { deduped, selected } = await throughSelect({
      dataPath,
      label: 'label',
      text: 'text',
      modelName: 'texts',
      dedupe: { nearDuplicates: true, threshold: 0.7, shingleSize: 2 },
      standardize: { scaling: 'none' },
      selection: { tabularMethod: 'chi2' },
      split: { validation: 0.2, test: 0.2 },
    });
    const selection = await deps.store.getJson<FeatureSelection>(selected.outputs.featureSelection!);
    const frame = await readFrame(deps.store, deduped.outputs.deduped!);

    expect(deduped.summary).toMatchObject({ rowsIn: 12, exactDuplicates: 4, nearDuplicates: 2, rowsOut: 6 });
    expect(frame.values.text).not.toContain('see you at lunch tomorrow with the notes ok');
    expect(selection.tabular.method).toBe('chi2');
    expect(selection.tabular.selected).toEqual(['exclaims']);
    expect(selection.tabular.scores[0]!.score).toBeGreaterThan(0);
  });
});
