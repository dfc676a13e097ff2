import { readFileSync } from 'node:fs';
import path from 'node:path';

import { SentencePieceTokenizer, type VocabularyEntry } from '../../../core/ml/teacher/tokenizer';
import { defaultUseLiteDir } from '../../../core/ml/teacher/use-lite';

/** A hand-made vocabulary: ids 0–5 are reserved symbols with score 0, as in the USE Lite vocabulary. */
const TINY: VocabularyEntry[] = [
  ['<unk>', 0],
  ['<s>', 0],
  ['</s>', 0],
  ['extra_1', 0],
  ['extra_2', 0],
  ['extra_3', 0],
  ['\u2581a', -1], // 6
  ['b', -1], // 7
  ['\u2581ab', -5], // 8
  ['\u2581', -3], // 9
  ['c', -2], // 10
  ['\u2581abc', -1.5], // 11
];

describe('SentencePieceTokenizer on a hand-made vocabulary', () => {
  const tokenizer = new SentencePieceTokenizer(TINY);

  it('chooses the segmentation with the highest total score, not the longest first piece', () => {
    // '▁ab' alone scores −5; '▁a' + 'b' scores −2.
    expect(tokenizer.encode('ab')).toEqual([6, 7]);
    // '▁abc' alone scores −1.5; '▁a' + 'b' + 'c' scores −4.
    expect(tokenizer.encode('abc')).toEqual([11]);
  });

  it('marks word boundaries with ▁ and collapses runs of whitespace', () => {
    expect(tokenizer.encode('  a \t\n b ')).toEqual([6, 9, 7]);
  });

  it('maps uncovered characters to the unknown id 0, merging consecutive unknowns into one', () => {
    expect(tokenizer.encode('a zz b')).toEqual([6, 9, 0, 9, 7]);
  });

  it('never matches the reserved symbols against text', () => {
    expect(tokenizer.encode('<s>')).toEqual([9, 0]);
  });

  it('applies NFKC normalisation first, so full-width letters match their ASCII pieces', () => {
    expect(tokenizer.encode('\uff41\uff42')).toEqual(tokenizer.encode('ab'));
  });

  it('returns no ids for empty or whitespace-only text', () => {
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.encode(' \t\n')).toEqual([]);
  });
});

describe('SentencePieceTokenizer on the USE Lite vocabulary', () => {
  const vocabulary = JSON.parse(
    readFileSync(path.join(defaultUseLiteDir(), 'vocab.json'), 'utf8'),
  ) as VocabularyEntry[];
  const tokenizer = new SentencePieceTokenizer(vocabulary);
  const pieces = (ids: number[]) => ids.map((id) => vocabulary[id]![0]);

  it('encodes a short English sentence into a stable list of known pieces', () => {
    const ids = tokenizer.encode('How are you today?');

    expect(ids).toEqual([728, 31, 19, 784, 54]);
    expect(pieces(ids)).toEqual(['\u2581How', '\u2581are', '\u2581you', '\u2581today', '?']);
  });

  it('round-trips the pieces of ordinary text back to the text, with no unknown id', () => {
    const text = 'The stock market crashed badly, and 42 analysts were surprised.';

    const ids = tokenizer.encode(text);

    expect(ids.every((id) => id > 0)).toBe(true);
    expect(
      pieces(ids)
        .join('')
        .replace(/\u2581/g, ' ')
        .trim(),
    ).toBe(text);
  });

  it('returns no ids for empty text', () => {
    expect(tokenizer.encode('')).toEqual([]);
  });
});
