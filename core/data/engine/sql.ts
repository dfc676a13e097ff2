/**
 * SQL building blocks of the engine. Each macro reproduces, cell by cell, a JavaScript rule of the
 * in-memory core, so that both produce the same values: `String.prototype.trim`, the HTML entity
 * decoding of clean, the plain-number test of read, and the normalised text key of dedupe.
 * HTML entity decoding calls back into JavaScript (a scalar function that runs clean's own decoder)
 * only for the cells whose entities SQL cannot decode itself: the few common named entities are
 * replaced in SQL, as a call into JavaScript costs a round trip between threads per chunk.
 */
import { DuckDBScalarFunction, VARCHAR, type DuckDBConnection, type DuckDBVarCharVector } from '@duckdb/node-api';

import { decodeHtmlEntities } from '../clean';
import { quoteIdentifier, quoteLiteral } from '../duckdb';

/** The characters JavaScript's `trim()` and `\s` treat as white space. */
const JS_WHITESPACE =
  '\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a' +
  '\u2028\u2029\u202f\u205f\u3000\ufeff';

/** The same set, less the plain space, as the inside of an RE2 character class. */
const JS_WHITESPACE_BUT_SPACE =
  '\\t\\n\\x{0B}\\f\\r\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
const JS_WHITESPACE_CLASS = `[ ${JS_WHITESPACE_BUT_SPACE}]`;

/** The scalar function that runs clean's `decodeHtmlEntities` on each cell. */
const HTML_DECODE_FUNCTION = 'distillery_decode_html';

/** clean's entity pattern (ASCII only, so RE2 over UTF-8 finds the matches JavaScript finds over UTF-16). */
const ENTITY = '&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});';

/**
 * Named entities decoded in SQL, with what clean's decoder (`entities`, strict) gives for each.
 * `&amp;` comes last: each replacement inserts no `&`, so replacing the others first, then `&amp;`,
 * replaces every entity of the cell exactly once, as one left-to-right pass of the decoder does
 * (two entities never overlap: an entity holds no `&` but its first character).
 */
const SQL_ENTITIES: readonly (readonly [string, string])[] = [
  ['&lt;', '<'],
  ['&gt;', '>'],
  ['&quot;', '"'],
  ['&apos;', "'"],
  ['&nbsp;', '\u00a0'],
  ['&amp;', '&'],
];

/** The cell with every entity of {@link SQL_ENTITIES} replaced, in that order. */
function sqlEntityDecode(cell: string): string {
  return SQL_ENTITIES.reduce(
    (s, [entity, text]) => `replace(${s}, ${quoteLiteral(entity)}, ${quoteLiteral(text)})`,
    cell,
  );
}

/** True when the cell's entities are all in {@link SQL_ENTITIES}: none is left once those are removed. */
function onlySqlEntities(cell: string): string {
  const names = SQL_ENTITIES.map(([entity]) => entity.slice(1, -1)).join('|');
  const withoutKnown = `regexp_replace(${cell}, ${quoteLiteral(`&(${names});`)}, '', 'g')`;
  return `NOT regexp_matches(${withoutKnown}, ${quoteLiteral(ENTITY)})`;
}

const PLAIN_NUMBER = '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?';

/**
 * Plain numbers of at most 15 integer digits, without zero padding or exponent: all finite and
 * below 2^53, so a match is a plain number without the further tests.
 */
const SHORT_PLAIN_NUMBER = '[+-]?(0|[1-9][0-9]{0,14})(\\.[0-9]*)?';

/**
 * True unless the code point `codePoint` (an `ascii(…)` of a cell) is certainly not white space:
 * every white-space character is at most U+0020 or at least U+00A0.
 */
function mayBeWhiteSpace(codePoint: string): string {
  return `(${codePoint} <= 32 OR ${codePoint} >= 160)`;
}

/**
 * False only when the cell certainly holds no white space but single plain spaces: it is all ASCII
 * (bytes and characters agree in number), has no two spaces in a row and none of the ASCII controls
 * tab to carriage return. Substring tests, far cheaper than the regular expression they spare.
 */
function mayHoldWhiteSpaceRun(cell: string): string {
  const controls = [9, 10, 11, 12, 13].map((code) => `contains(${cell}, chr(${code}))`);
  return `(strlen(${cell}) <> length(${cell}) OR contains(${cell}, '  ') OR ${controls.join(' OR ')})`;
}

/**
 * Macros defined on every engine connection. Each costly rule first tests, cheaply, whether it can
 * change the cell at all (a first or last character that may be white space, an ampersand, a short
 * plain number), as most cells pass through unchanged.
 */
export const ENGINE_MACROS: readonly string[] = [
  `CREATE OR REPLACE TEMP MACRO js_trim(s) AS
     CASE WHEN ${mayBeWhiteSpace('ascii(s)')} OR ${mayBeWhiteSpace('ascii(s[-1])')}
          THEN CASE WHEN regexp_matches(s, ${quoteLiteral(`^${JS_WHITESPACE_CLASS}|${JS_WHITESPACE_CLASS}$`)})
                    THEN trim(s, ${quoteLiteral(JS_WHITESPACE)}) ELSE s END
          ELSE s END`,
  `CREATE OR REPLACE TEMP MACRO html_decode(s) AS
     CASE WHEN s IS NULL OR NOT contains(s, '&') THEN s
          WHEN ${onlySqlEntities('s')} THEN ${sqlEntityDecode('s')}
          ELSE ${HTML_DECODE_FUNCTION}(s) END`,
  `CREATE OR REPLACE TEMP MACRO below_two_to_53(digits) AS
     length(digits) < 16 OR (length(digits) = 16 AND digits <= '9007199254740992')`,
  `CREATE OR REPLACE TEMP MACRO is_plain_number(t) AS
     CASE WHEN regexp_full_match(t, ${quoteLiteral(SHORT_PLAIN_NUMBER)}) THEN true
          WHEN NOT coalesce(isfinite(TRY_CAST(t AS DOUBLE)), false) THEN false
          WHEN NOT regexp_full_match(t, ${quoteLiteral(PLAIN_NUMBER)}) THEN false
          WHEN regexp_matches(t, '^[+-]?0[0-9]') THEN false
          ELSE below_two_to_53(ltrim(regexp_extract(t, '^[+-]?([0-9]*)', 1), '0')) END`,
  `CREATE OR REPLACE TEMP MACRO dedupe_key(s) AS
     CASE WHEN s IS NULL THEN ''
          WHEN ${mayHoldWhiteSpaceRun('s')}
           AND regexp_matches(s, ${quoteLiteral(`[${JS_WHITESPACE_BUT_SPACE}]| {2}`)})
          THEN trim(regexp_replace(lower(s), ${quoteLiteral(JS_WHITESPACE_CLASS + '+')}, ' ', 'g'), ' ')
          WHEN starts_with(s, ' ') OR ends_with(s, ' ') THEN trim(lower(s), ' ')
          ELSE lower(s) END`,
];

/** Registers the JavaScript scalar functions the macros call; before {@link ENGINE_MACROS}. */
export function registerEngineFunctions(connection: DuckDBConnection): void {
  connection.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: HTML_DECODE_FUNCTION,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction: (_info, input, output) => {
        const cells = input.getColumnVector(0) as DuckDBVarCharVector;
        const decoded = output as DuckDBVarCharVector;
        for (let i = 0; i < input.rowCount; i++) {
          const cell = cells.getItem(i);
          decoded.setItem(i, cell === null ? null : decodeHtmlEntities(cell));
        }
        decoded.flush();
      },
    }),
  );
}

/**
 * The Parquet type of the engine's 0/1 columns (one-hot categories, missing-value indicators):
 * BOOLEAN, bit-packed in the file, which DuckDB writes about three times faster than one byte a
 * cell and far faster than a DOUBLE. They are features all the same, the number 1 where true and
 * 0 where false (see {@link asNumber}).
 */
export const INDICATOR_TYPE = 'BOOLEAN';

/** Whether a column of this DuckDB type is a numeric feature: DOUBLE, or the {@link INDICATOR_TYPE} of 0/1 columns. */
export function isNumericType(type: string): boolean {
  return type === 'DOUBLE' || type === INDICATOR_TYPE;
}

/** A cell of a numeric feature as the number it stands for: an indicator's true and false as 1 and 0. */
export function asNumber(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}

/** A quoted column reference. */
export function col(name: string): string {
  return quoteIdentifier(name);
}

/** `value IN (…)` over string literals; `false` when the list is empty. */
export function inList(value: string, items: readonly string[]): string {
  return items.length === 0 ? 'false' : `${value} IN (${items.map(quoteLiteral).join(', ')})`;
}

/** A DOUBLE literal that parses back to exactly `value` (a finite JS number). */
export function doubleLiteral(value: number): string {
  return `CAST(${quoteLiteral(String(value))} AS DOUBLE)`;
}

/** A SQL literal of a value as read from DuckDB (number, string or boolean). */
export function valueLiteral(value: unknown): string {
  if (typeof value === 'number') return doubleLiteral(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return quoteLiteral(String(value));
}

/** Orders strings as JavaScript's `<` does (UTF-16 code units), as the in-memory core sorts. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
