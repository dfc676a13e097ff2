import { makeFrame } from '../../../core/data/frame';
import { augmentTexts, MASK_TOKEN, perturb } from '../../../core/ml/augment/augment';
import {
  AUGMENTED_TEXT_COLUMN,
  appendTransferRows,
  planTransferSet,
  readTransferRows,
  SOURCE_ROW_COLUMN,
} from '../../../core/ml/augment/transfer-set';
import { seededRandom } from '../../../core/util/random';

const OFF = { copies: 3, maskProbability: 0, dropProbability: 0, ngramProbability: 0 };
const TEXT = 'free entry in a weekly competition to win cup final tickets';

describe('perturb', () => {
  it('masks every word when the mask probability is 1', () => {
    expect(perturb('win a prize now', { ...OFF, maskProbability: 1 }, seededRandom(1))).toBe('_ _ _ _');
    expect(MASK_TOKEN).toBe('_');
  });

  it('drops every word when the drop probability is 1', () => {
    expect(perturb('win a prize now', { ...OFF, dropProbability: 1 }, seededRandom(1))).toBe('');
  });

  it('cuts a copy to a contiguous window of at most five words when n-gram sampling always applies', () => {
    const words = TEXT.split(' ');
    for (let seed = 0; seed < 50; seed++) {
      const window = perturb(TEXT, { ...OFF, ngramProbability: 1 }, seededRandom(seed)).split(' ');
      expect(window.length).toBeGreaterThanOrEqual(1);
      expect(window.length).toBeLessThanOrEqual(5);
      const start = words.indexOf(window[0]!);
      expect(words.slice(start, start + window.length)).toEqual(window);
    }
  });

  it('leaves the text as it is when every probability is 0', () => {
    expect(perturb('  win   a prize ', OFF, seededRandom(3))).toBe('win a prize');
  });
});

describe('augmentTexts', () => {
  const options = { copies: 4, maskProbability: 0.1, dropProbability: 0.1, ngramProbability: 0.25 };

  it('gives the same copies for the same seed, and other copies for another seed', () => {
    const first = augmentTexts([TEXT, 'call me later'], options, 42);
    expect(augmentTexts([TEXT, 'call me later'], options, 42)).toEqual(first);
    expect(augmentTexts([TEXT, 'call me later'], options, 43)).not.toEqual(first);
  });

  it('never returns the source text, an empty text or the same copy twice for one source', () => {
    const { texts, sources } = augmentTexts([TEXT, 'ok'], { ...options, copies: 20 }, 7);
    texts.forEach((text, i) => {
      expect(text).not.toBe(sources[i] === 0 ? TEXT : 'ok');
      expect(text).not.toBe('');
    });
    const keys = texts.map((t, i) => `${sources[i]}:${t}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('makes nothing when no perturbation can change the text', () => {
    expect(augmentTexts([TEXT], OFF, 1)).toEqual({ texts: [], sources: [] });
  });
});

describe('the transfer set in the teacher-logits frame', () => {
  const logits = makeFrame(
    ['__row_id', 'logit_0', 'logit_1'],
    { __row_id: 'number', logit_0: 'number', logit_1: 'number' },
    { __row_id: [10, 11, 12], logit_0: [1, 2, 3], logit_1: [-1, -2, -3] },
  );

  it('plans copies of the training rows only, naming each source row id', () => {
    const plan = planTransferSet(
      [0, 2],
      ['a b c d', 'x y', 'p q r s'],
      [10, 11, 12],
      { ...OFF, maskProbability: 1 },
      5,
    );
    expect(plan).toEqual({ texts: ['_ _ _ _', '_ _ _ _'], sourceRowIds: [10, 12], sourceRows: [0, 2] });
  });

  it('is empty when copies is 0', () => {
    expect(planTransferSet([0], ['a b'], [10], { ...OFF, copies: 0 }, 5).texts).toEqual([]);
  });

  it('round-trips: appended rows come back as transfer rows, original logits in order', () => {
    const plan = { texts: ['_ b', 'a _'], sourceRowIds: [12, 10], sourceRows: [2, 0] };
    const frame = appendTransferRows(logits, plan, [
      [0.5, 0.25],
      [4, -4],
    ]);

    expect(frame.columns).toEqual(['__row_id', 'logit_0', 'logit_1', AUGMENTED_TEXT_COLUMN, SOURCE_ROW_COLUMN]);
    expect(frame.rowCount).toBe(5);
    const { original, transfer } = readTransferRows(frame, 2);
    expect(original.map((l) => Array.from(l))).toEqual([
      [1, -1],
      [2, -2],
      [3, -3],
    ]);
    expect(transfer).toEqual([
      { text: '_ b', sourceRowId: 12, logits: Float32Array.from([0.5, 0.25]) },
      { text: 'a _', sourceRowId: 10, logits: Float32Array.from([4, -4]) },
    ]);
  });

  it('reads a frame without transfer rows as originals only', () => {
    expect(readTransferRows(logits, 2).transfer).toEqual([]);
    expect(appendTransferRows(logits, { texts: [], sourceRowIds: [], sourceRows: [] }, [])).toBe(logits);
  });
});
