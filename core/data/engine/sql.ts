/**
 * SQL building blocks of the engine. Each macro reproduces, cell by cell, a JavaScript rule of the
 * in-memory core, so that both produce the same values: `String.prototype.trim`, the HTML entity
 * decoding of clean, the plain-number test of read, and the normalised text key of dedupe.
 */
import { decodeHtmlEntities } from '../clean';
import { quoteIdentifier, quoteLiteral } from '../duckdb';

/** The characters JavaScript's `trim()` and `\s` treat as white space. */
const JS_WHITESPACE =
  '\t\n\u000b\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a' +
  '\u2028\u2029\u202f\u205f\u3000\ufeff';

/** The same set as an RE2 character class. */
const JS_WHITESPACE_CLASS =
  '[\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]';

/** Named HTML entities that clean decodes; their values come from clean itself. */
const NAMED_ENTITIES = [
  'lt',
  'gt',
  'amp',
  'quot',
  'apos',
  'nbsp',
  'hellip',
  'ndash',
  'mdash',
  'lsquo',
  'rsquo',
  'ldquo',
  'rdquo',
  'pound',
  'euro',
  'copy',
  'reg',
];

/** Splits a text into entity candidates, runs of other characters, and lone ampersands. */
const ENTITY_TOKEN = '&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});|[^&]+|&';
const ENTITY = '&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});';
const PLAIN_NUMBER = '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?';

function namedEntityCases(): string {
  return NAMED_ENTITIES.map((name) => {
    const value = decodeHtmlEntities(`&${name};`);
    return `WHEN ${quoteLiteral(name)} THEN ${quoteLiteral(value)}`;
  }).join(' ');
}

/** Macros defined on every engine connection. */
export const ENGINE_MACROS: readonly string[] = [
  `CREATE OR REPLACE TEMP MACRO js_trim(s) AS trim(s, ${quoteLiteral(JS_WHITESPACE)})`,
  `CREATE OR REPLACE TEMP MACRO html_code_point(cp) AS
     CASE WHEN cp > 0 AND cp <= 1114111 AND (cp < 55296 OR cp > 57343) THEN chr(cp::INTEGER) END`,
  `CREATE OR REPLACE TEMP MACRO html_entity(t) AS
     CASE WHEN t[2] <> '#' THEN CASE t[2:-2] ${namedEntityCases()} END
          WHEN lower(t[3]) = 'x' THEN html_code_point(('0x' || t[4:-2])::BIGINT)
          ELSE html_code_point(t[3:-2]::BIGINT) END`,
  `CREATE OR REPLACE TEMP MACRO html_decode(s) AS
     CASE WHEN s IS NULL OR NOT contains(s, '&') THEN s
          ELSE array_to_string(list_transform(regexp_extract_all(s, ${quoteLiteral(ENTITY_TOKEN)}),
            lambda t: CASE WHEN regexp_full_match(t, ${quoteLiteral(ENTITY)}) THEN coalesce(html_entity(t), t)
                           ELSE t END), '') END`,
  `CREATE OR REPLACE TEMP MACRO below_two_to_53(digits) AS
     length(digits) < 16 OR (length(digits) = 16 AND digits <= '9007199254740992')`,
  `CREATE OR REPLACE TEMP MACRO is_plain_number(t) AS
     regexp_full_match(t, ${quoteLiteral(PLAIN_NUMBER)})
     AND NOT regexp_matches(t, '^[+-]?0[0-9]')
     AND below_two_to_53(ltrim(regexp_extract(t, '^[+-]?([0-9]*)', 1), '0'))
     AND coalesce(isfinite(TRY_CAST(t AS DOUBLE)), false)`,
  `CREATE OR REPLACE TEMP MACRO dedupe_key(s) AS
     trim(regexp_replace(lower(coalesce(s, '')), ${quoteLiteral(JS_WHITESPACE_CLASS + '+')}, ' ', 'g'), ' ')`,
];

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
