/**
 * The guarantee of the out-of-core engine: on the same input it gives the same rows, the same
 * reports, the same fitted statistics (exact doubles) and the same selected features as the
 * in-memory core, step by step, as activities/data.ts chains them.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { cleanCsv, dedupeParquet, standardizeParquet } from '../../../../core/data/engine';
import { DEFAULT_MINHASH } from '../../../../core/data/minhash';
import { seededRandom } from '../../../../core/util/random';
import { expectSameResults, SPLIT, useWorkspace } from './harness';

const DATASETS = path.resolve(__dirname, '../../../../..', 'shared/datasets');

const workspace = useWorkspace('engine-equivalence-');

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
    const file = path.join(workspace.folder, 'tiny-class.csv');
    await writeFile(file, 'label,x\na,1\na,2\na,3\nb,4\n');
    const cleaned = workspace.out('cleaned');
    await cleanCsv({
      csvPath: file,
      outputPath: cleaned,
      spec: { label: 'label', features: ['x'] },
      engine: workspace.engine,
    });
    const standardized = standardizeParquet({
      inputPath: cleaned,
      outputPath: workspace.out('standardized'),
      label: 'label',
      split: SPLIT,
      engine: workspace.engine,
    });
    await expect(standardized).rejects.toMatchObject({
      type: 'SplitError',
      details: { class: 'b', count: 1, minimum: 2 },
    });
  });

  it('rejects PII redaction, MinHash near-duplicates and robust scaling with InvalidConfig', async () => {
    const file = path.join(workspace.folder, 'refused.csv');
    await writeFile(file, 'label,x\na,1\n');
    const spec = { label: 'label', features: ['x'], redactPii: true };
    await expect(
      cleanCsv({ csvPath: file, outputPath: workspace.out('c'), spec, engine: workspace.engine }),
    ).rejects.toMatchObject({
      type: 'InvalidConfig',
    });
    const near = { label: 'label', text: 'x', near: DEFAULT_MINHASH };
    await expect(
      dedupeParquet({ inputPath: file, outputPath: workspace.out('d'), spec: near, engine: workspace.engine }),
    ).rejects.toMatchObject({
      type: 'InvalidConfig',
    });
    const robust = standardizeParquet({
      inputPath: file,
      outputPath: workspace.out('s'),
      label: 'label',
      split: SPLIT,
      spec: { numeric: ['x'], categorical: [], scaling: 'robust' },
      engine: workspace.engine,
    });
    await expect(robust).rejects.toMatchObject({ type: 'InvalidConfig' });
  });
});

describe('the out-of-core engine against the in-memory core', () => {
  it('gives the same cells, reports, statistics and selection on a file of hard cases', async () => {
    const file = path.join(workspace.folder, 'synthetic.csv');
    await writeFile(file, syntheticCsv(600));
    await expectSameResults(workspace, {
      file,
      spec: { label: 'label', text: 'note', features: ['x', 'y', 'const', 'code', 'colour', 'z'] },
      read: { missingValues: ['NA'] },
    });
  });

  it.each(['drop', 'flag'] as const)('gives the same results with missing features policy %s', async (missing) => {
    const file = path.join(workspace.folder, `synthetic-${missing}.csv`);
    await writeFile(file, syntheticCsv(300));
    await expectSameResults(workspace, {
      file,
      spec: { label: 'label', text: 'note', features: ['x', 'y', 'colour'], missing },
      read: { missingValues: ['NA'] },
    });
  });

  it.each(['keep', 'drop'] as const)('gives the same results with conflict policy %s', async (policy) => {
    const file = path.join(workspace.folder, `synthetic-conflicts-${policy}.csv`);
    await writeFile(file, syntheticCsv(300));
    await expectSameResults(workspace, {
      file,
      spec: { label: 'label', text: 'note', features: ['x', 'colour'] },
      read: { missingValues: ['NA'] },
      policy,
    });
  });

  it('types a column by every cell, not by its first rows (a text cell after 5,000 numbers)', async () => {
    const file = path.join(workspace.folder, 'late-text.csv');
    const rows = Array.from({ length: 5001 }, (_, i) => {
      const late = i === 5000 ? 'n/a' : String(i % 97);
      return `${['a', 'b'][i % 2]},${late},${(i % 13) / 4},${i % 3 === 0 ? 'x' : 'y'}`;
    });
    await writeFile(file, ['label,late,number,letter', ...rows].join('\n') + '\n');
    await expectSameResults(workspace, {
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
    const file = path.join(workspace.folder, `edge-${name.replace(/\W+/g, '-')}.csv`);
    await writeFile(file, edgeFile(cell));
    await expectSameResults(workspace, { file, spec: { label: 'label', features: ['edge', 'x'] }, read: {} });
  });

  it('gives the same results on the red wine quality data (semicolons, numeric label)', async () => {
    await expectSameResults(workspace, {
      file: path.join(DATASETS, 'wine_quality/winequality-red.csv'),
      spec: {
        label: 'quality',
        features: ['fixed acidity', 'volatile acidity', 'citric acid', 'residual sugar', 'chlorides', 'alcohol'],
      },
      read: { delimiter: ';' },
    });
  });

  it('gives the same results on the clothing reviews (text, missing values, conflicting duplicates)', async () => {
    await expectSameResults(workspace, {
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
