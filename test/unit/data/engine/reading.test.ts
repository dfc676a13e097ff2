/**
 * The engine reads files as the core does: header names (as the sniffer gives them, or as written),
 * and the hard files of ../shared/cases under "Reading CSV", with the same rows, cells, types and
 * report, or the same kind of error.
 */
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { ROW_ID_COLUMN } from '../../../../common/constants';
import { cleanFrame, type CleanSpec } from '../../../../core/data/clean';
import { cleanCsv } from '../../../../core/data/engine';
import { readCsv, type ReadOptions } from '../../../../core/data/read';
import { expectSameResults, readParquet, useWorkspace } from './harness';

const CASES = path.resolve(__dirname, '../../../../..', 'shared/cases');

const workspace = useWorkspace('engine-reading-');

describe('the out-of-core engine names columns as the core does', () => {
  it.each([
    ['plain names, as the sniffer reads them', 'label,x,colour'],
    ['a BOM and spaces around names', '\uFEFF label , x ,colour'],
    ['a name ending in _1 and its stem', 'label,x,x_1'],
    ['an empty name and a literal column9', 'label,,column9'],
    ['a quoted name with the delimiter, and one with a no-break space', 'label,"a,b",x\u00a0'],
  ])('names the columns as the core does with %s', async (name, header) => {
    const file = path.join(workspace.folder, `header-${name.replace(/\W+/g, '-')}.csv`);
    const width = header.split(',').length + (header.includes('"a,b"') ? -1 : 0);
    const rows = Array.from({ length: 40 }, (_, i) =>
      [['a', 'b'][i % 2], ...Array.from({ length: width - 1 }, (_, c) => String((i * (c + 3)) % 7))].join(','),
    );
    await writeFile(file, [header, ...rows].join('\n') + '\n');
    const { frame } = await readCsv(file);
    const features = frame.columns.filter((c) => c !== 'label');
    await expectSameResults(workspace, { file, spec: { label: 'label', features }, read: {} });
  });

  it('fails with SchemaError on column names that differ only in case, which the core reads', async () => {
    const file = path.join(workspace.folder, 'case-clash.csv');
    await writeFile(file, 'label,x,X\na,1,2\nb,3,4\n');
    expect((await readCsv(file)).frame.columns).toEqual(['label', 'x', 'X']);
    await expect(
      cleanCsv({ csvPath: file, outputPath: workspace.out('c'), spec: { label: 'label' }, engine: workspace.engine }),
    ).rejects.toMatchObject({
      type: 'SchemaError',
      details: { clashes: [['x', 'X']] },
    });
  });
});

/**
 * The hard files of ../shared/cases under "Reading CSV", through the engine's clean and through the
 * core's read and clean: the same rows, cells, types and report, or the same kind of error.
 */
describe('the out-of-core engine reads the hard files of the cases as the core does', () => {
  async function expectSameClean(file: string, spec: CleanSpec, read: Pick<ReadOptions, 'encoding'> = {}) {
    const { frame } = await readCsv(file, read);
    const expected = cleanFrame(frame, spec);
    const cleaned = workspace.out('cleaned');
    const { columns, ...report } = await cleanCsv({
      csvPath: file,
      outputPath: cleaned,
      spec,
      read,
      engine: workspace.engine,
    });
    expect(report).toEqual(expected.report);
    const { frame: rows } = expected;
    const types = rows.columns.filter((c) => c !== ROW_ID_COLUMN).map((name) => ({ name, type: rows.types[name] }));
    expect(columns).toEqual(types);
    expect(await readParquet(cleaned)).toEqual(rows);
  }

  it.each([
    ['L01-bom.csv', { label: 'label', features: ['x1', 'x2'] }, {}],
    ['L02-embedded-newlines.csv', { label: 'label', text: 'note', features: ['qty'] }, {}],
    ['L03b-trailing-blank-lines.csv', { label: 'label', features: ['x', 'y'] }, {}],
    ['L07-na-literal.csv', { label: 'label', features: ['region', 'amount'] }, {}],
    ['L08-latin1.csv', { label: 'label', features: ['city', 'temp'] }, { encoding: 'latin-1' }],
  ])('cleans %s into the same rows and report', async (name, spec, read) => {
    await expectSameClean(path.join(CASES, name), spec, read);
  });

  it('fails on the ragged file listing the bad lines as the core does, writing nothing', async () => {
    const file = path.join(CASES, 'L03-ragged.csv');
    const core = (await readCsv(file).catch((error: unknown) => error)) as { details: Record<string, unknown> };
    expect(core.details.badLineCount).toBe(2);
    const cleaned = workspace.out('cleaned');
    const engineRun = cleanCsv({
      csvPath: file,
      outputPath: cleaned,
      spec: { label: 'label' },
      engine: workspace.engine,
    });
    await expect(engineRun).rejects.toMatchObject({
      type: 'CsvParseError',
      message: expect.stringContaining('line 3: expected 4 fields, got 3; line 4: expected 4 fields, got 5'),
      details: { badLines: core.details.badLines, badLineCount: 2 },
    });
    await expect(stat(cleaned)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails on the Latin-1 file read as UTF-8 with CsvParseError saying so, storing no U+FFFD', async () => {
    const cleaned = workspace.out('cleaned');
    const spec = { label: 'label' };
    await expect(
      cleanCsv({ csvPath: path.join(CASES, 'L08-latin1.csv'), outputPath: cleaned, spec, engine: workspace.engine }),
    ).rejects.toMatchObject({ type: 'CsvParseError', message: expect.stringContaining('not utf-8 encoded') });
    await expect(stat(cleaned)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails on duplicate header names with SchemaError naming f at positions 1 and 2', async () => {
    const spec = { label: 'label' };
    const file = path.join(CASES, 'L05-duplicate-headers.csv');
    await expect(
      cleanCsv({ csvPath: file, outputPath: workspace.out('cleaned'), spec, engine: workspace.engine }),
    ).rejects.toMatchObject({
      type: 'SchemaError',
      details: { column: 'f', positions: [1, 2] },
    });
  });
});
