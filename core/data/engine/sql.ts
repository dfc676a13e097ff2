/**
 * SQL building blocks of the engine. Each macro reproduces, cell by cell, a JavaScript rule of the
 * in-memory core, so that both produce the same values: `String.prototype.trim`, the HTML entity
 * decoding of clean, the plain-number test of read, and the normalised text key of dedupe.
 * HTML entity decoding is the one rule that calls back into JavaScript: a scalar function that runs
 * clean's own decoder, on the cells that contain an ampersand only.
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

const PLAIN_NUMBER = '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?';

/**
 * Macros defined on every engine connection. Each costly rule first tests, cheaply, whether it can
 * change the cell at all (white space at an end, an ampersand, a digit-led cell), as most cells pass
 * through unchanged.
 */
export const ENGINE_MACROS: readonly string[] = [
  `CREATE OR REPLACE TEMP MACRO js_trim(s) AS
     CASE WHEN regexp_matches(s, ${quoteLiteral(`^${JS_WHITESPACE_CLASS}|${JS_WHITESPACE_CLASS}$`)})
          THEN trim(s, ${quoteLiteral(JS_WHITESPACE)}) ELSE s END`,
  `CREATE OR REPLACE TEMP MACRO html_decode(s) AS
     CASE WHEN s IS NULL OR NOT contains(s, '&') THEN s ELSE ${HTML_DECODE_FUNCTION}(s) END`,
  `CREATE OR REPLACE TEMP MACRO below_two_to_53(digits) AS
     length(digits) < 16 OR (length(digits) = 16 AND digits <= '9007199254740992')`,
  `CREATE OR REPLACE TEMP MACRO is_plain_number(t) AS
     CASE WHEN NOT coalesce(isfinite(TRY_CAST(t AS DOUBLE)), false) THEN false
          WHEN NOT regexp_full_match(t, ${quoteLiteral(PLAIN_NUMBER)}) THEN false
          WHEN regexp_matches(t, '^[+-]?0[0-9]') THEN false
          ELSE below_two_to_53(ltrim(regexp_extract(t, '^[+-]?([0-9]*)', 1), '0')) END`,
  `CREATE OR REPLACE TEMP MACRO dedupe_key(s) AS
     CASE WHEN regexp_matches(coalesce(s, ''), ${quoteLiteral(`[${JS_WHITESPACE_BUT_SPACE}]| {2}`)})
          THEN trim(regexp_replace(lower(s), ${quoteLiteral(JS_WHITESPACE_CLASS + '+')}, ' ', 'g'), ' ')
          ELSE trim(lower(coalesce(s, '')), ' ') END`,
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
