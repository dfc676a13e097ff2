import path from 'node:path';
import { ROW_ID_COLUMN } from '../../../common/constants';
import { cleanFrame } from '../../../core/data/clean';
import { dedupeFrame, normalizeForDedupe } from '../../../core/data/dedupe';
import { makeFrame, type Cell } from '../../../core/data/frame';
import { bandShape, DEFAULT_MINHASH, jaccard, nearDuplicateGroups, shingleSet } from '../../../core/data/minhash';
import { readCsv } from '../../../core/data/read';

const DATASETS = path.resolve(__dirname, '../../..', '../shared/datasets');

function textFrame(texts: Cell[], labels: Cell[]) {
  const ids = texts.map((_, i) => i);
  return makeFrame(
    ['label', 'text', ROW_ID_COLUMN],
    { label: 'string', text: 'string', [ROW_ID_COLUMN]: 'number' },
    { label: labels, text: texts, [ROW_ID_COLUMN]: ids },
  );
}

describe('dedupeFrame', () => {
  it('drops exact duplicates, ignoring the row id, and keeps the first occurrence', () => {
    const frame = textFrame(['a', 'b', 'a', 'a'], ['x', 'x', 'x', 'y']);

    const { frame: out, report } = dedupeFrame(frame, { label: 'label' });

    expect(out.values[ROW_ID_COLUMN]).toEqual([0, 1, 3]);
    expect(report).toEqual({
      rowsIn: 4,
      exactDuplicates: 1,
      normalizedDuplicates: 0,
      nearDuplicates: 0,
      policy: 'majority',
      conflictingGroups: 0,
      conflicts: [],
      rowsOut: 3,
    });
  });

  it('then drops texts equal after lower-casing and collapsing whitespace', () => {
    const frame = textFrame(['Hello  World', 'hello world ', 'HELLO\tworld', 'other'], ['x', 'x', 'x', 'x']);

    const { frame: out, report } = dedupeFrame(frame, { label: 'label', text: 'text' });

    expect(out.values.text).toEqual(['Hello  World', 'other']);
    expect(report.exactDuplicates).toBe(0);
    expect(report.normalizedDuplicates).toBe(2);
  });

  it('resolves a group with conflicting labels by majority, keeping the first row of that label', () => {
    const frame = textFrame(['Win now', 'win now', 'keep', 'WIN NOW', 'win  now'], ['ham', 'spam', 'ham', 'spam', 'x']);

    const { frame: out, report } = dedupeFrame(frame, { label: 'label', text: 'text' });

    expect(out.values[ROW_ID_COLUMN]).toEqual([1, 2]);
    expect(report.conflictingGroups).toBe(1);
    expect(report.conflicts).toEqual([
      { stage: 'normalized', text: 'win now', labels: { ham: 1, spam: 2, x: 1 }, rows: 4, kept: [1] },
    ]);
  });

  it('drops every row of a conflicting group under the drop policy, listing the group', () => {
    const frame = textFrame(
      ['Win now', 'win now', 'keep', 'WIN NOW', 'same', 'Same'],
      ['ham', 'spam', 'ham', 'spam', 'a', 'a'],
    );

    const { frame: out, report } = dedupeFrame(frame, { label: 'label', text: 'text', policy: 'drop' });

    expect(out.values[ROW_ID_COLUMN]).toEqual([2, 4]);
    expect(report).toMatchObject({ policy: 'drop', normalizedDuplicates: 4, conflictingGroups: 1, rowsOut: 2 });
    expect(report.conflicts).toEqual([
      { stage: 'normalized', text: 'win now', labels: { ham: 1, spam: 2 }, rows: 3, kept: [] },
    ]);
  });

  it('keeps the first row of each label under the keep policy', () => {
    const frame = textFrame(['Win now', 'win now', 'keep', 'WIN NOW'], ['ham', 'spam', 'ham', 'spam']);

    const { frame: out, report } = dedupeFrame(frame, { label: 'label', text: 'text', policy: 'keep' });

    expect(out.values[ROW_ID_COLUMN]).toEqual([0, 1, 2]);
    expect(report.conflicts[0]!.kept).toEqual([0, 1]);
  });

  it('picks the majority label, and on a tie the label seen first, even for numeric-looking labels', () => {
    const frame = textFrame(['same', 'same ', 'SAME'], ['1', '0', '0']);
    const tie = textFrame(['same', 'Same'], ['1', '0']);

    expect(dedupeFrame(frame, { label: 'label', text: 'text' }).frame.values.label).toEqual(['0']);
    expect(dedupeFrame(tie, { label: 'label', text: 'text' }).frame.values.label).toEqual(['1']);
  });

  it('cuts conflict texts to 80 characters and lists at most 20 groups', () => {
    const texts = Array.from({ length: 25 }, (_, g) => `${'z'.repeat(90)} ${g}`).flatMap((t) => [t, t.toUpperCase()]);
    const labels = texts.map((_, i) => (i % 2 === 0 ? 'a' : 'b'));

    const { report } = dedupeFrame(textFrame(texts, labels), { label: 'label', text: 'text' });

    expect(report.conflictingGroups).toBe(25);
    expect(report.conflicts).toHaveLength(20);
    expect(report.conflicts[0]!.text).toBe('z'.repeat(80));
  });

  it('normalises by lower case and single spaces only', () => {
    expect(normalizeForDedupe('  A\u00a0B\n\nC  ')).toBe('a b c');
  });

  it('finds the 403 exact duplicates of SMS Spam, raw and cleaned, and 12 more by normalised text', async () => {
    const { frame } = await readCsv(path.join(DATASETS, 'sms_spam/sms_spam.csv'));
    const cleaned = cleanFrame(frame, { label: 'label', text: 'text', features: [] }).frame;

    const raw = dedupeFrame(frame, { label: 'label' }).report;
    const { report } = dedupeFrame(cleaned, { label: 'label', text: 'text' });

    expect(raw.exactDuplicates).toBe(403);
    expect(report).toMatchObject({
      exactDuplicates: 403,
      normalizedDuplicates: 12,
      conflictingGroups: 0,
      rowsOut: 5159,
    });
  });
});

describe('near-duplicate pass (MinHash/LSH)', () => {
  const near = { threshold: 0.5, shingleSize: 2, numHashes: 128, seed: 42 };
  const base = 'the quick brown fox jumps over the lazy dog near the river bank';

  it('removes a text that differs by one trailing word and keeps an unrelated one', () => {
    const frame = textFrame(
      [base, `${base} today`, 'completely different words in this message here'],
      ['a', 'a', 'a'],
    );

    const { frame: out, report } = dedupeFrame(frame, { label: 'label', text: 'text', near });

    expect(out.values[ROW_ID_COLUMN]).toEqual([0, 2]);
    expect(report).toMatchObject({ exactDuplicates: 0, normalizedDuplicates: 0, nearDuplicates: 1, rowsOut: 2 });
  });

  it('resolves a near-duplicate group with conflicting labels by the policy and lists it', () => {
    const texts = [base, `${base} today`, `${base} again`, 'unrelated'];
    const frame = textFrame(texts, ['spam', 'ham', 'ham', 'ham']);

    const { report } = dedupeFrame(frame, { label: 'label', text: 'text', near });

    expect(report.conflicts).toEqual([{ stage: 'near', text: base, labels: { spam: 1, ham: 2 }, rows: 3, kept: [1] }]);
  });

  it('links pairs at or above the threshold only, with the exact Jaccard similarity', () => {
    // 10 shingles shared of 12 in the union: Jaccard 10/12 ≈ 0.833.
    const a = 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11';
    const b = 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13';
    const shingles = [shingleSet(a, 2), shingleSet(b, 2)];

    expect(jaccard(shingles[0]!, shingles[1]!)).toBeCloseTo(10 / 12, 12);
    expect(nearDuplicateGroups([a, b], { ...near, threshold: 0.83 })).toEqual([[0, 1]]);
    expect(nearDuplicateGroups([a, b], { ...near, threshold: 0.84 })).toEqual([]);
  });

  it('never links texts without words, and gives the same groups for the same seed', () => {
    const texts = ['', '!!!', base, `${base} x`];

    expect(nearDuplicateGroups(texts, near)).toEqual([[2, 3]]);
    expect(nearDuplicateGroups(texts, { ...near, seed: 7 })).toEqual([[2, 3]]);
  });

  it('chooses bands whose threshold sits just below the requested one', () => {
    expect(bandShape(128, 0.8)).toEqual({ bands: 16, rows: 8 }); // (1/16)^(1/8) = 0.707
    expect(bandShape(128, 0.5)).toEqual({ bands: 32, rows: 4 }); // (1/32)^(1/4) = 0.420
  });

  it(
    'finds 108 near-duplicates of SMS Spam at Jaccard 0.8 after the other passes, ' + 'none with conflicting labels',
    async () => {
      const { frame } = await readCsv(path.join(DATASETS, 'sms_spam/sms_spam.csv'));
      const cleaned = cleanFrame(frame, { label: 'label', text: 'text', features: [] }).frame;

      const { report } = dedupeFrame(cleaned, { label: 'label', text: 'text', near: DEFAULT_MINHASH });

      expect(report).toMatchObject({
        exactDuplicates: 403,
        normalizedDuplicates: 12,
        nearDuplicates: 108,
        conflictingGroups: 0,
        rowsOut: 5051,
      });
    },
  );
});
