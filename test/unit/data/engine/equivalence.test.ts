/**
 * The guarantee of the out-of-core engine: on the same input it gives the same rows, the same
 * reports, the same fitted statistics (exact doubles) and the same selected features as the
 * in-memory core, step by step, as activities/data.ts chains them.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROW_ID_COLUMN, SPLIT_COLUMN } from '../../../../common/constants';
import { cleanFrame, type CleanSpec } from '../../../../core/data/clean';
import { dedupeFrame, type ConflictPolicy } from '../../../../core/data/dedupe';
import { DEFAULT_MINHASH } from '../../../../core/data/minhash';
import { quoteLiteral, withDuckDb } from '../../../../core/data/duckdb';
import {
  cleanCsv,
  dedupeParquet,
  selectFeaturesParquet,
  standardizeParquet,
  type EngineOptions,
} from '../../../../core/data/engine';
import { asNumber, isNumericType } from '../../../../core/data/engine/sql';
import { column, makeFrame, withColumn, type Cell, type ColumnType, type Frame } from '../../../../core/data/frame';
import { readCsv, type ReadOptions } from '../../../../core/data/read';
import { scoreTabularFeatures, selectTopK, type FeatureScore } from '../../../../core/data/select';
import { stratifiedSplit } from '../../../../core/data/split';
import { applyStandardizer, fitStandardizer } from '../../../../core/data/standardize';
import { seededRandom } from '../../../../core/util/random';

const DATASETS = path.resolve(__dirname, '../../../../..', 'shared/datasets');
const CASES = path.resolve(__dirname, '../../../../..', 'shared/cases');
const SPLIT = { seed: 7, validation: 0.15, test: 0.15 };
const TOP_K = 4;

let folder: string;
let engine: EngineOptions;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'engine-equivalence-'));
  engine = { memoryLimit: '256MB', tempDirectory: path.join(folder, 'spill'), threads: 2 };
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

interface Case {
  file: string;
  spec: CleanSpec;
  read: Pick<ReadOptions, 'delimiter' | 'missingValues'>;
  /** Dedupe's conflict policy; default majority. */
  policy?: ConflictPolicy;
}

/** The in-memory chain of activities/data.ts: read, clean, dedupe, split, standardize, score. */
async function inMemory({ file, spec, read, policy }: Case) {
  const { frame } = await readCsv(file, read);
  const cleaned = cleanFrame(frame, spec);
  const deduped = dedupeFrame(cleaned.frame, { label: spec.label, text: spec.text, policy });
  const labels = column(deduped.frame, spec.label).map((v) => String(v));
  const withSplit = withColumn(deduped.frame, SPLIT_COLUMN, 'string', stratifiedSplit(labels, SPLIT));
  const trainRows = rowsWhere(column(withSplit, SPLIT_COLUMN), 'train');
  const roles = { numeric: [] as string[], categorical: [] as string[] };
  for (const name of deduped.frame.columns) {
    if (name === spec.label || name === spec.text || name === ROW_ID_COLUMN) continue;
    (deduped.frame.types[name] === 'number' ? roles.numeric : roles.categorical).push(name);
  }
  const transform = fitStandardizer(withSplit, trainRows, roles);
  const standardized = applyStandardizer(transform, withSplit);
  const reserved = new Set([spec.label, spec.text, ROW_ID_COLUMN, SPLIT_COLUMN]);
  const candidates = standardized.columns.filter((c) => !reserved.has(c) && standardized.types[c] === 'number');
  const trainLabels = trainRows.map((r) => String(column(standardized, spec.label)[r]));
  const columns = Object.fromEntries(
    candidates.map((name) => [name, trainRows.map((r) => column(standardized, name)[r] as number | null)]),
  );
  const scores = scoreTabularFeatures(columns, trainLabels, 'anova');
  const selected = selectTopK(scores, TOP_K).map((s) => s.name);
  return { cleaned, deduped, transform, standardized, scores, selected };
}

/** The engine chain over Parquet files. */
async function outOfCore({ file, spec, read, policy }: Case) {
  const paths = { cleaned: out('cleaned'), deduped: out('deduped'), standardized: out('standardized') };
  const clean = await cleanCsv({ csvPath: file, outputPath: paths.cleaned, spec, read, engine });
  const dedupe = await dedupeParquet({
    inputPath: paths.cleaned,
    outputPath: paths.deduped,
    spec: { label: spec.label, text: spec.text, policy },
    engine,
  });
  const standardize = await standardizeParquet({
    inputPath: paths.deduped,
    outputPath: paths.standardized,
    label: spec.label,
    text: spec.text,
    split: SPLIT,
    engine,
  });
  const select = await selectFeaturesParquet({
    inputPath: paths.standardized,
    label: spec.label,
    text: spec.text,
    maxTabularFeatures: TOP_K,
    engine,
  });
  return {
    clean,
    dedupe,
    standardize,
    select,
    cleaned: await readParquet(paths.cleaned),
    deduped: await readParquet(paths.deduped),
    standardized: await readParquet(paths.standardized),
  };
}

let counter = 0;
function out(step: string): string {
  counter += 1;
  return path.join(folder, `${step}-${counter}.parquet`);
}

function rowsWhere(cells: readonly Cell[], value: string): number[] {
  return cells.flatMap((cell, row) => (cell === value ? [row] : []));
}

/** A Parquet file as a frame: numeric features (indicators too, true and false as 1 and 0) as numbers. */
async function readParquet(file: string): Promise<Frame> {
  return withDuckDb(async (db) => {
    const result = await db.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    const names = result.columnNames();
    const types: Record<string, ColumnType> = {};
    result.columnTypes().forEach((t, i) => (types[names[i]!] = isNumericType(t.toString()) ? 'number' : 'string'));
    const columns = result.getColumnsJS();
    const values = Object.fromEntries(names.map((name, i) => [name, (columns[i] ?? []).map(asNumber) as Cell[]]));
    return makeFrame(names, types, values);
  });
}

/**
 * The same columns in the same order, excluded and explained alike, with F equal to 1e-9 relative:
 * the engine's within-class sums of squares come from DuckDB's one-pass `var_pop` (Welford), the
 * core's from a second pass over the cells, so the two can differ in the last bits.
 */
function expectSameScores(actual: readonly FeatureScore[], expected: readonly FeatureScore[]): void {
  const withoutScore = (scores: readonly FeatureScore[]) => scores.map(({ score: _score, ...rest }) => rest);
  expect(withoutScore(actual)).toEqual(withoutScore(expected));
  actual.forEach((score, i) => {
    const reference = expected[i]!.score;
    expect(Math.abs(score.score - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(reference)));
  });
}

async function expectSameResults(input: Case): Promise<void> {
  const expected = await inMemory(input);
  const actual = await outOfCore(input);

  const { columns, ...cleanReport } = actual.clean;
  expect(cleanReport).toEqual(expected.cleaned.report);
  expect(columns).toEqual(
    expected.cleaned.frame.columns
      .filter((c) => c !== ROW_ID_COLUMN)
      .map((name) => ({
        name,
        type: expected.cleaned.frame.types[name],
      })),
  );
  expect(actual.cleaned).toEqual(expected.cleaned.frame);

  expect(actual.dedupe).toEqual(expected.deduped.report);
  expect(actual.deduped).toEqual(expected.deduped.frame);

  expect(actual.standardize.transform).toEqual(expected.transform);
  expect(actual.standardized).toEqual(expected.standardized);

  expectSameScores(actual.select.scores, expected.scores);
  expect(actual.select.selected).toEqual(expected.selected);
}

/** A seeded file with every hard case the steps handle: see the comments on each column. */
function syntheticCsv(rows: number): string {
  const random = seededRandom(11);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const texts = [
    'Free entry now',
    '  free   ENTRY now ',
    'caf\u0065\u0301 au lait',
    'fish &amp; chips &amp;lt;b&amp;gt; &#x41;&#66; &bogus; & more',
    'see you at 5',
    '&nbsp;',
    '   ',
    '',
    'Tab\tseparated  words',
    // Entities decoded in SQL (`&amp;lt;` stays `&lt;`), and cells that also need clean's decoder.
    '&lt;b&gt; &quot;q&quot; &apos;s&apos; &amp;lt;i&amp;gt; &nbsp;x',
    '&amp;amp; &#39;quoted&#x27; &eacute; &AMP;',
    // White space at one end only, in and beyond ASCII.
    'tail tab\t',
    'ideographic\u3000',
    '\u00a0leading no-break space',
  ];
  const lines = ['label,x,y,const,code,colour,z,note'];
  for (let i = 0; i < rows; i++) {
    const label = random() < 0.03 ? pick(['', 'NA', '  ']) : pick(['spam', 'ham', ' ham', 'eggs']);
    const x = random() < 0.08 ? pick(['', 'NA']) : (random() * 200 - 100).toFixed(Math.floor(random() * 6));
    const y = random() < 0.05 ? '' : String(Math.round(random() * 1000) / 8);
    const code = pick(['007', '12', '9007199254740993']);
    // Plain numbers inside and outside the short fast path (exponent, 16 digits, bare point).
    const z = pick(['+5', '-0', '1.', '.5', '1e3', '123456789012345', '1234567890123456', '-7.25']);
    const colour = random() < 0.1 ? '' : pick(['red', 'Rouge ', 'blue', 'green', 'mauve-' + i]);
    const note = pick(texts) + (random() < 0.7 ? ` ${i % 40}` : '');
    lines.push(`${label},${x},${y},3.25,${code},${colour},${z},"${note.replace(/"/g, '""')}"`);
    if (random() < 0.06) lines.push(lines[lines.length - 1]!);
  }
  return lines.join('\n') + '\n';
}

describe('the out-of-core engine refuses what it cannot do as the core does', () => {
  it('fails with SplitError naming the class when a class is too small to stratify', async () => {
    const file = path.join(folder, 'tiny-class.csv');
    await writeFile(file, 'label,x\na,1\na,2\na,3\nb,4\n');
    const cleaned = out('cleaned');
    await cleanCsv({ csvPath: file, outputPath: cleaned, spec: { label: 'label', features: ['x'] }, engine });
    const standardized = standardizeParquet({
      inputPath: cleaned,
      outputPath: out('standardized'),
      label: 'label',
      split: SPLIT,
      engine,
    });
    await expect(standardized).rejects.toMatchObject({
      type: 'SplitError',
      details: { class: 'b', count: 1, minimum: 2 },
    });
  });

  it('fails with SchemaError on column names that differ only in case, which the core reads', async () => {
    const file = path.join(folder, 'case-clash.csv');
    await writeFile(file, 'label,x,X\na,1,2\nb,3,4\n');
    expect((await readCsv(file)).frame.columns).toEqual(['label', 'x', 'X']);
    await expect(
      cleanCsv({ csvPath: file, outputPath: out('c'), spec: { label: 'label' }, engine }),
    ).rejects.toMatchObject({
      type: 'SchemaError',
      details: { clashes: [['x', 'X']] },
    });
  });

  it('rejects PII redaction, MinHash near-duplicates and robust scaling with InvalidConfig', async () => {
    const file = path.join(folder, 'refused.csv');
    await writeFile(file, 'label,x\na,1\n');
    const spec = { label: 'label', features: ['x'], redactPii: true };
    await expect(cleanCsv({ csvPath: file, outputPath: out('c'), spec, engine })).rejects.toMatchObject({
      type: 'InvalidConfig',
    });
    const near = { label: 'label', text: 'x', near: DEFAULT_MINHASH };
    await expect(dedupeParquet({ inputPath: file, outputPath: out('d'), spec: near, engine })).rejects.toMatchObject({
      type: 'InvalidConfig',
    });
    const robust = standardizeParquet({
      inputPath: file,
      outputPath: out('s'),
      label: 'label',
      split: SPLIT,
      spec: { numeric: ['x'], categorical: [], scaling: 'robust' },
      engine,
    });
    await expect(robust).rejects.toMatchObject({ type: 'InvalidConfig' });
  });
});

describe('the out-of-core engine against the in-memory core', () => {
  it('gives the same cells, reports, statistics and selection on a file of hard cases', async () => {
    const file = path.join(folder, 'synthetic.csv');
    await writeFile(file, syntheticCsv(600));
    await expectSameResults({
      file,
      spec: { label: 'label', text: 'note', features: ['x', 'y', 'const', 'code', 'colour', 'z'] },
      read: { missingValues: ['NA'] },
    });
  });

  it.each(['drop', 'flag'] as const)('gives the same results with missing features policy %s', async (missing) => {
    const file = path.join(folder, `synthetic-${missing}.csv`);
    await writeFile(file, syntheticCsv(300));
    await expectSameResults({
      file,
      spec: { label: 'label', text: 'note', features: ['x', 'y', 'colour'], missing },
      read: { missingValues: ['NA'] },
    });
  });

  it.each(['keep', 'drop'] as const)('gives the same results with conflict policy %s', async (policy) => {
    const file = path.join(folder, `synthetic-conflicts-${policy}.csv`);
    await writeFile(file, syntheticCsv(300));
    await expectSameResults({
      file,
      spec: { label: 'label', text: 'note', features: ['x', 'colour'] },
      read: { missingValues: ['NA'] },
      policy,
    });
  });

  it('types a column by every cell, not by its first rows (a text cell after 5,000 numbers)', async () => {
    const file = path.join(folder, 'late-text.csv');
    const rows = Array.from({ length: 5001 }, (_, i) => {
      const late = i === 5000 ? 'n/a' : String(i % 97);
      return `${['a', 'b'][i % 2]},${late},${(i % 13) / 4},${i % 3 === 0 ? 'x' : 'y'}`;
    });
    await writeFile(file, ['label,late,number,letter', ...rows].join('\n') + '\n');
    await expectSameResults({
      file,
      spec: { label: 'label', features: ['late', 'number', 'letter'] },
      read: {},
    });
  });

  /**
   * 5,000 rows, labels a and b, rows 4500, 4600 and 4700 without a label; `cell(row)` gives column
   * `edge`. The cells that decide a type come after the rows the engine samples first (4,096).
   */
  function edgeFile(cell: (row: number) => string): string {
    const rows = Array.from({ length: 5000 }, (_, i) => {
      const label = [4500, 4600, 4700].includes(i) ? '' : ['a', 'b'][i % 2];
      return `${label},${cell(i)},${(i % 11) / 4}`;
    });
    return ['label,edge,x', ...rows].join('\n') + '\n';
  }

  it.each([
    ['a non-number only in a row dropped for its missing label', (i: number) => (i === 4600 ? 'oops' : String(i))],
    ['a number only in a dropped row, every kept cell missing', (i: number) => (i === 4700 ? '5' : '')],
    ['no present cell at all', () => ''],
    ['a blank cell among numbers in a kept row', (i: number) => (i === 4800 ? '   ' : String(i % 9))],
    ['numbers throughout, missing in some rows', (i: number) => (i % 5 === 0 ? '' : String(i / 4))],
  ])('types a column as the core does with %s', async (name, cell) => {
    const file = path.join(folder, `edge-${name.replace(/\W+/g, '-')}.csv`);
    await writeFile(file, edgeFile(cell));
    await expectSameResults({ file, spec: { label: 'label', features: ['edge', 'x'] }, read: {} });
  });

  it.each([
    ['plain names, as the sniffer reads them', 'label,x,colour'],
    ['a BOM and spaces around names', '\uFEFF label , x ,colour'],
    ['a name ending in _1 and its stem', 'label,x,x_1'],
    ['an empty name and a literal column9', 'label,,column9'],
    ['a quoted name with the delimiter, and one with a no-break space', 'label,"a,b",x\u00a0'],
  ])('names the columns as the core does with %s', async (name, header) => {
    const file = path.join(folder, `header-${name.replace(/\W+/g, '-')}.csv`);
    const width = header.split(',').length + (header.includes('"a,b"') ? -1 : 0);
    const rows = Array.from({ length: 40 }, (_, i) =>
      [['a', 'b'][i % 2], ...Array.from({ length: width - 1 }, (_, c) => String((i * (c + 3)) % 7))].join(','),
    );
    await writeFile(file, [header, ...rows].join('\n') + '\n');
    const { frame } = await readCsv(file);
    const features = frame.columns.filter((c) => c !== 'label');
    await expectSameResults({ file, spec: { label: 'label', features }, read: {} });
  });

  it('gives the same results on the red wine quality data (semicolons, numeric label)', async () => {
    await expectSameResults({
      file: path.join(DATASETS, 'wine_quality/winequality-red.csv'),
      spec: {
        label: 'quality',
        features: ['fixed acidity', 'volatile acidity', 'citric acid', 'residual sugar', 'chlorides', 'alcohol'],
      },
      read: { delimiter: ';' },
    });
  });

  it('gives the same results on the clothing reviews (text, missing values, conflicting duplicates)', async () => {
    await expectSameResults({
      file: path.join(DATASETS, 'womens_clothing_reviews/womens_clothing_ecommerce_reviews.csv'),
      spec: {
        label: 'Recommended IND',
        text: 'Review Text',
        features: ['Age', 'Rating', 'Positive Feedback Count', 'Division Name', 'Department Name'],
      },
      read: {},
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
    const cleaned = out('cleaned');
    const { columns, ...report } = await cleanCsv({ csvPath: file, outputPath: cleaned, spec, read, engine });
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
    const cleaned = out('cleaned');
    const engineRun = cleanCsv({ csvPath: file, outputPath: cleaned, spec: { label: 'label' }, engine });
    await expect(engineRun).rejects.toMatchObject({
      type: 'CsvParseError',
      message: expect.stringContaining('line 3: expected 4 fields, got 3; line 4: expected 4 fields, got 5'),
      details: { badLines: core.details.badLines, badLineCount: 2 },
    });
    await expect(stat(cleaned)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails on the Latin-1 file read as UTF-8 with CsvParseError saying so, storing no U+FFFD', async () => {
    const cleaned = out('cleaned');
    const spec = { label: 'label' };
    await expect(
      cleanCsv({ csvPath: path.join(CASES, 'L08-latin1.csv'), outputPath: cleaned, spec, engine }),
    ).rejects.toMatchObject({ type: 'CsvParseError', message: expect.stringContaining('not utf-8 encoded') });
    await expect(stat(cleaned)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails on duplicate header names with SchemaError naming f at positions 1 and 2', async () => {
    const spec = { label: 'label' };
    const file = path.join(CASES, 'L05-duplicate-headers.csv');
    await expect(cleanCsv({ csvPath: file, outputPath: out('cleaned'), spec, engine })).rejects.toMatchObject({
      type: 'SchemaError',
      details: { column: 'f', positions: [1, 2] },
    });
  });
});
