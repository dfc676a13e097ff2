import path from 'node:path';
import { ROW_ID_COLUMN } from '../../../common/constants';
import { cleanFrame } from '../../../core/data/clean';
import { dedupeFrame, normalizeForDedupe } from '../../../core/data/dedupe';
import { makeFrame, type Cell } from '../../../core/data/frame';
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
    expect(report.conflicts).toEqual([{ text: 'win now', labels: { ham: 1, spam: 2, x: 1 }, rows: 4 }]);
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
