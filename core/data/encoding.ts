/**
 * Text encodings of delimited input files (used by `read.ts`): encoding names normalised to the
 * three that are read, and strict UTF-8 validation that names the line and byte offset of the
 * first bad byte.
 */
import { CsvParseError } from './errors';

/**
 * `'utf-8'`, `'latin-1'` or `'utf-16'` for any of their spellings; any other name comes back
 * lowercased, with `_` and spaces as `-`.
 */
export function normaliseEncoding(encoding: string | undefined): string {
  const key = (encoding ?? 'utf-8').toLowerCase().replace(/[_\s]/g, '-');
  if (key === 'utf8' || key === 'utf-8') return 'utf-8';
  if (['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1'].includes(key)) return 'latin-1';
  if (key === 'utf16' || key === 'utf-16') return 'utf-16';
  return key;
}

/** Fails with the line and byte offset of the first byte that is not valid UTF-8. */
export function assertUtf8(bytes: Buffer, path: string): void {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    const line = physicalLine(bytes, offset);
    throw new CsvParseError(
      `${path} is not valid UTF-8: invalid byte 0x${bytes[offset]?.toString(16)} on line ${line} at byte offset ` +
        `${offset}; pass the file's encoding (e.g. encoding: 'latin-1')`,
      { path, line, byteOffset: offset },
    );
  }
}

/** Byte offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return bytes.length;
}

/**
 * Well-formed UTF-8 by lead byte (Unicode table 3-7): lead range, sequence length, and the range
 * allowed for the second byte (later bytes are always 0x80..0xBF).
 */
const UTF8_LEADS: readonly (readonly [number, number, number, number, number])[] = [
  [0xc2, 0xdf, 2, 0x80, 0xbf],
  [0xe0, 0xe0, 3, 0xa0, 0xbf],
  [0xe1, 0xec, 3, 0x80, 0xbf],
  [0xed, 0xed, 3, 0x80, 0x9f],
  [0xee, 0xef, 3, 0x80, 0xbf],
  [0xf0, 0xf0, 4, 0x90, 0xbf],
  [0xf1, 0xf3, 4, 0x80, 0xbf],
  [0xf4, 0xf4, 4, 0x80, 0x8f],
];

/** Length of the well-formed UTF-8 sequence starting at `i`, or 0 when it is malformed. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  const shape = UTF8_LEADS.find(([from, to]) => lead >= from && lead <= to);
  if (!shape) return 0;

  const [, , length, low, high] = shape;
  const second = bytes[i + 1] ?? 0;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) {
    const next = bytes[i + k] ?? 0;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}

/** 1-based physical line holding byte `offset` (lines end at LF; CRLF counts once). */
export function physicalLine(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
