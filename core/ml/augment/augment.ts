/**
 * Transfer-set augmentation after Tang et al. (2019), "Distilling Task-Specific Knowledge from
 * BERT into Simple Neural Networks": perturbed copies of the training texts that the teacher
 * labels, so the student sees many more teacher outputs than there are labelled rows.
 *
 * Per word, in order: with `maskProbability` the word becomes the mask token; otherwise with
 * `dropProbability` it is dropped (a part-of-speech-free stand-in for the paper's same-POS word
 * replacement). Then, with `ngramProbability`, the copy is cut to a random window of 1–5 words.
 * Copies equal to their source or to an earlier copy are discarded. Fully seeded.
 */
import { seededRandom } from '../../util/random';

/** Stands in for a masked word. Not a word character, so word tokenisation treats it as a break. */
export const MASK_TOKEN = '_';

/** How texts are perturbed; see the module comment. */
export interface AugmentationOptions {
  /** Perturbed copies attempted per text. */
  readonly copies: number;
  readonly maskProbability: number;
  readonly dropProbability: number;
  readonly ngramProbability: number;
}

/** The perturbed texts and, for each, the index of the text it came from. */
export interface AugmentedTexts {
  readonly texts: string[];
  readonly sources: number[];
}

const NGRAM_MAX = 5;

/** Perturbed copies of `texts`; the same texts, options and seed give the same copies. */
export function augmentTexts(texts: readonly string[], options: AugmentationOptions, seed: number): AugmentedTexts {
  const random = seededRandom(seed);
  const out: AugmentedTexts = { texts: [], sources: [] };
  texts.forEach((text, source) => {
    const seen = new Set([text]);
    for (let copy = 0; copy < options.copies; copy++) {
      const perturbed = perturb(text, options, random);
      if (perturbed === '' || seen.has(perturbed)) continue;
      seen.add(perturbed);
      out.texts.push(perturbed);
      out.sources.push(source);
    }
  });
  return out;
}

/** One perturbed copy of `text`. */
export function perturb(text: string, options: AugmentationOptions, random: () => number): string {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const kept: string[] = [];
  for (const word of words) {
    if (random() < options.maskProbability) kept.push(MASK_TOKEN);
    else if (random() >= options.dropProbability) kept.push(word);
  }
  if (kept.length > 1 && random() < options.ngramProbability) {
    const n = Math.min(kept.length, 1 + Math.floor(random() * NGRAM_MAX));
    const start = Math.floor(random() * (kept.length - n + 1));
    return kept.slice(start, start + n).join(' ');
  }
  return kept.join(' ');
}
