/**
 * Redaction of personal data in free text: e-mail addresses, phone numbers and payment card
 * numbers (a card number must pass the Luhn check, so order numbers and dates are left alone).
 */

/** Redactions made, per kind. */
export interface PiiCounts {
  email: number;
  phone: number;
  card: number;
}

/** Tokens that replace each kind. */
export const PII_TOKENS: Readonly<Record<keyof PiiCounts, string>> = {
  email: '<email>',
  phone: '<phone>',
  card: '<card>',
};

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** 13 to 19 digits, optionally grouped by single spaces or hyphens. */
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
/** A run of digits with optional +, parentheses, spaces, dots or hyphens; checked for 9–15 digits. */
const PHONE = /(?<![\w+])\+?\(?\d[\d ().-]{6,}\d(?!\w)/g;
const MIN_PHONE_DIGITS = 9;
const MAX_PHONE_DIGITS = 15;

/**
 * Replaces e-mail addresses with `<email>`, Luhn-valid card numbers (13–19 digits, spaces or
 * hyphens allowed between digits) with `<card>`, then phone numbers (9 to 15 digits, with an
 * optional leading `+`, parentheses, spaces, dots or hyphens) with `<phone>`, adding each
 * replacement to `counts`. Shorter digit runs (short codes such as `87121`, years, prices) stay.
 */
export function redactPii(text: string, counts: PiiCounts): string {
  if (!/\d|@/.test(text)) return text;
  let out = text.replace(EMAIL, () => (counts.email++, PII_TOKENS.email));
  out = out.replace(CARD, (match) => (luhnValid(digitsOf(match)) ? (counts.card++, PII_TOKENS.card) : match));
  return out.replace(PHONE, (match) => {
    const digits = digitsOf(match).length;
    return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS ? (counts.phone++, PII_TOKENS.phone) : match;
  });
}

/** The Luhn (mod 10) check of a payment card number. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}
