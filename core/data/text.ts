/**
 * Word tokenisation shared by feature selection and the student model. Both must tokenise
 * identically, so there is exactly one implementation, and it is kept cheap: one regular
 * expression pass per text.
 */

/** The token that stands for any run of five or more digits (phone numbers, codes, amounts). */
export const NUMBER_TOKEN = '<num>';

const WORD = /[\p{L}\p{N}]+/gu;
const LONG_DIGITS = /\p{Nd}{5,}/gu;
const HAS_LONG_DIGITS = /\p{Nd}{5,}/u;

/**
 * Lower-cased word tokens of `text`: maximal runs of Unicode letters and digits; everything else
 * separates tokens. Inside a token, every run of five or more digits becomes `<num>`, so
 * `08712345678` → `<num>` and `call08712345678` → `call<num>`; shorter numbers (`2nd`, `150`) stay.
 */
export function wordTokens(text: string): string[] {
  const tokens = text.toLowerCase().match(WORD);
  if (!tokens) return [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (HAS_LONG_DIGITS.test(token)) tokens[i] = token.replace(LONG_DIGITS, NUMBER_TOKEN);
  }
  return tokens;
}

/**
 * All n-grams of `tokens` for n = 1..`nMax`, tokens joined by a single space: first every
 * unigram in order, then every bigram, and so on. Repeats are kept (callers that need a set
 * de-duplicate). `nMax` below 1 yields no n-grams.
 */
export function wordNgrams(tokens: readonly string[], nMax: number): string[] {
  const grams: string[] = [...tokens];
  if (nMax < 1) return [];
  for (let n = 2; n <= nMax; n++) {
    for (let start = 0; start + n <= tokens.length; start++) {
      let gram = tokens[start]!;
      for (let k = start + 1; k < start + n; k++) gram += ' ' + tokens[k]!;
      grams.push(gram);
    }
  }
  return grams;
}
