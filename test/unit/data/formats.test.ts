import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { quoteLiteral, withDuckDb } from '../../../core/data/duckdb';
import { CsvParseError, SchemaError } from '../../../core/data/errors';
import { readTable } from '../../../core/data/formats';
import { namedAsIdentifier } from '../../../core/data/infer';

const CASES = path.resolve(__dirname, '../../fixtures/cases');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'distillery-formats-'));
});

async function fixture(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, content);
  return file;
}

async function readError(file: string, options = {}): Promise<unknown> {
  return readTable(file, options).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('readTable: formats', () => {
  it('reads a gzip-compressed CSV exactly like the plain file (L02 compressed)', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = await fixture('L02.csv.gz', gzipSync(await readFile(path.join(CASES, 'L02-embedded-newlines.csv'))));

    const { frame, report } = await readTable(file);

    expect(report).toMatchObject({ format: 'csv', gzip: true, rows: 4 });
    expect(frame.values.note![3]).toBe('says "hi"');
    expect(frame.values.qty).toEqual([3, 4, 5, 6]);
  });

  it('reads JSON Lines, plain and gzip-compressed, typing columns over all rows', async () => {
    const lines = ['{"id": 1, "x": 1.5, "label": "a"}', '{"id": 2, "x": null, "label": "b"}', '{"id": 3, "x": 2}'];
    const plain = await fixture('rows.jsonl', lines.join('\n') + '\n');
    const packed = await fixture('rows.ndjson.gz', gzipSync(lines.join('\n')));

    for (const file of [plain, packed]) {
      const { frame, report } = await readTable(file);
      expect(report.format).toBe('jsonl');
      expect(frame.types).toEqual({ id: 'string', x: 'number', label: 'string' });
      expect(frame.values.x).toEqual([1.5, null, 2]);
      expect(frame.values.label).toEqual(['a', 'b', null]);
      expect(report.identifiers).toEqual([{ name: 'id', reason: 'named as an identifier' }]);
    }
  });

  it('reads Parquet, keeping a BIGINT beyond 2^53 exact as text', async () => {
    const file = path.join(scratch, 'rows.parquet');
    await withDuckDb(async (db) => {
      const rows = `(9007199254740993::BIGINT, 0.1::DOUBLE, 'spam'), (2::BIGINT, 2.5::DOUBLE, 'ham')`;
      await db.run(
        `COPY (SELECT * FROM (VALUES ${rows}) t(big, score, label)) TO ${quoteLiteral(file)} (FORMAT parquet)`,
      );
    });

    const { frame, report } = await readTable(file);

    expect(report.format).toBe('parquet');
    expect(frame.values.big).toEqual(['9007199254740993', '2']);
    expect(frame.values.score).toEqual([0.1, 2.5]);
    expect(report.identifiers).toEqual([{ name: 'big', reason: 'beyond 2^53' }]);
  });

  it('applies extra missing markers to JSON Lines too', async () => {
    const file = await fixture('na.jsonl', '{"r": "NA"}\n{"r": "EU"}\n{"r": "?"}\n');

    const { frame } = await readTable(file, { missingValues: ['?'] });

    expect(frame.values.r).toEqual(['NA', 'EU', null]);
  });

  it('fails with a CsvParseError naming the file when a JSON Lines file is malformed', async () => {
    const file = await fixture('broken.jsonl', '{"a": 1}\n{"a": \n');

    const error = (await readError(file)) as CsvParseError;

    expect(error).toBeInstanceOf(CsvParseError);
    expect(error.message).toContain(file);
  });
});

describe('readTable: dialect siblings of the CSV cases', () => {
  it('drops a BOM before a quoted header in a CRLF semicolon file (L01 sibling)', async () => {
    const file = await fixture('bom-semi.csv', '\uFEFF"label";"x 1"\r\nyes;1\r\nno;2\r\nyes;3\r\n');

    const { frame, report } = await readTable(file);

    expect(frame.columns).toEqual(['label', 'x 1']);
    expect(report.delimiter).toBe(';');
    expect(frame.values.label).toEqual(['yes', 'no', 'yes']);
  });

  it('drops a BOM from the first cell of a header-less pipe-delimited file', async () => {
    const file = await fixture('bom-pipe.txt', '\uFEFFham|hello there\nspam|win now\nham|see you\n');

    const { frame, report } = await readTable(file, { header: false, columnNames: ['label', 'text'] });

    expect(report.delimiter).toBe('|');
    expect(frame.values.label).toEqual(['ham', 'spam', 'ham']);
  });

  it('lets an explicit header: false override the sniffer for an all-text file', async () => {
    const file = await fixture('no-header.csv', 'alpha,beta\ngamma,delta\n');

    const { frame } = await readTable(file, { header: false });

    expect(frame.columns).toEqual(['column1', 'column2']);
    expect(frame.values.column1).toEqual(['alpha', 'gamma']);
  });

  it('keeps embedded newlines, tabs and quotes inside quoted cells of a CRLF TSV (L02 sibling)', async () => {
    const rows = ['"first\nsecond\tpart"\t3\tyes', 'plain\t4\tno', '"a\n\nb"\t5\tyes', '"says ""hi"""\t6\tno'];
    const file = await fixture('l02.tsv', ['note\tqty\tlabel', ...rows].join('\r\n') + '\r\n');

    const { frame } = await readTable(file);

    expect(frame.values.note).toEqual(['first\nsecond\tpart', 'plain', 'a\n\nb', 'says "hi"']);
    expect(frame.values.qty).toEqual([3, 4, 5, 6]);
  });

  it('lists short and long records of a semicolon CRLF file with their lines (L03 sibling)', async () => {
    const file = await fixture('l03.csv', 'a;b;c;label\r\n1;2;3;x\r\n4;5;y\r\n6;7;8;9;x\r\n1;1;1;y\r\n');

    const error = (await readError(file)) as CsvParseError;

    expect(error).toBeInstanceOf(CsvParseError);
    expect(error.details.badLines).toMatchObject([
      { line: 3, expected: 4, got: 3 },
      { line: 4, expected: 4, got: 5 },
    ]);
  });

  it('does not turn trailing CRLF, tab-file or space-only blank lines into rows (L03b siblings)', async () => {
    const files = [
      await fixture('blank-crlf.csv', 'x,y,label\r\n1,2,a\r\n3,4,b\r\n\r\n\r\n'),
      await fixture('blank-spaces.csv', 'x,y,label\n1,2,a\n3,4,b\n   \n  \n'),
      await fixture('blank.tsv', 'x\ty\tlabel\n1\t2\ta\n3\t4\tb\n\n\n\n'),
    ];

    for (const file of files) {
      const { frame } = await readTable(file);
      expect(frame.values).toEqual({ x: [1, 3], y: [2, 4], label: ['a', 'b'] });
    }
  });

  it('names every duplicated header with all its positions (L05 sibling)', async () => {
    const file = await fixture('dups.csv', 'a,b,a,c,b,a\n1,2,3,4,5,6\n');

    const error = (await readError(file)) as SchemaError;

    expect(error).toBeInstanceOf(SchemaError);
    expect(error.message).toContain('"a" at positions 1 and 3 and 6; "b" at positions 2 and 5');
    expect(error.details.duplicates).toEqual([
      { column: 'a', positions: [1, 3, 6] },
      { column: 'b', positions: [2, 5] },
    ]);
  });

  it('keeps NA, N/A and null literals as values unless listed as missing (L07 sibling)', async () => {
    const file = await fixture('literals.tsv', 'code\tlabel\nNA\ta\nN/A\tb\nnull\ta\n\tb\n-\ta\n');

    const plain = await readTable(file);
    const marked = await readTable(file, { missingValues: ['N/A', '-'] });

    expect(plain.frame.values.code).toEqual(['NA', 'N/A', 'null', null, '-']);
    expect(marked.frame.values.code).toEqual(['NA', null, 'null', null, null]);
    expect(marked.report.missingValues).toEqual(['N/A', '-']);
  });

  it('reads Latin-1 characters in the header and in the last column (L08 sibling)', async () => {
    const bytes = Buffer.from('ville;étiquette\nGenève;oui\nSão Paulo;não\n', 'latin1');
    const file = await fixture('latin1-head.csv', bytes);

    const error = (await readError(file)) as CsvParseError;
    const { frame } = await readTable(file, { encoding: 'latin1' });

    expect(error.details).toMatchObject({ line: 1, byteOffset: 6 });
    expect(frame.columns).toEqual(['ville', 'étiquette']);
    expect(frame.values['étiquette']).toEqual(['oui', 'não']);
    expect(frame.values.ville).toEqual(['Genève', 'São Paulo']);
  });
});

describe('readTable: numbers and identifiers', () => {
  it('parses decimal commas with dot thousands when asked, in a semicolon file', async () => {
    const file = await fixture('de.csv', 'preis;menge;label\n1.234,50;3;a\n-0,25;1.000;b\n12;7;a\n');

    const { frame, report } = await readTable(file, { decimal: ',', thousands: '.' });

    expect(frame.values.preis).toEqual([1234.5, -0.25, 12]);
    expect(frame.values.menge).toEqual([3, 1000, 7]);
    expect(report).toMatchObject({ decimal: ',', thousands: '.' });
  });

  it('parses comma thousands in quoted cells and keeps badly grouped values as text', async () => {
    const file = await fixture('us.csv', 'amount,other,label\n"1,234,567.5","12,34",a\n"999",5,b\n');

    const { frame } = await readTable(file, { thousands: ',' });

    expect(frame.values.amount).toEqual([1234567.5, 999]);
    expect(frame.types.other).toBe('string');
  });

  it('reads a decimal comma as text when no separator is given', async () => {
    const file = await fixture('plain.csv', 'v;label\n1,5;a\n2,5;b\n');

    const { frame } = await readTable(file, { delimiter: ';' });

    expect(frame.values.v).toEqual(['1,5', '2,5']);
  });

  it('rejects separators that collide', async () => {
    const file = await fixture('x.csv', 'a\n1\n');

    expect(await readError(file, { decimal: ',', thousands: ',' })).toBeInstanceOf(SchemaError);
    expect(await readError(file, { delimiter: ',', decimal: ',' })).toBeInstanceOf(SchemaError);
  });

  it('keeps ID-named, zero-padded, huge and row-counter integer columns as exact text', async () => {
    const rows = ['0,10,007,18446744073709551615,5,1', '1,11,010,1,6,2', '2,10,123,2,7,1', '3,12,124,3,8,3'];
    const file = await fixture('ids.csv', `,Clothing ID,zip,big,n,rating\n${rows.join('\n')}\n`);

    const { frame, report } = await readTable(file);

    expect(frame.types).toEqual({
      column1: 'string',
      'Clothing ID': 'string',
      zip: 'string',
      big: 'string',
      n: 'number',
      rating: 'number',
    });
    expect(frame.values.big).toEqual(['18446744073709551615', '1', '2', '3']);
    expect(report.identifiers).toEqual([
      { name: 'column1', reason: 'row index' },
      { name: 'Clothing ID', reason: 'named as an identifier' },
      { name: 'zip', reason: 'leading zeros' },
      { name: 'big', reason: 'beyond 2^53' },
    ]);
  });

  it('flags an all-distinct text column named as an identifier, not a repeated one', async () => {
    const file = await fixture('uuid.csv', 'user_id,customerId,label\nu-1,c-1,a\nu-2,c-1,b\nu-3,c-2,a\n');

    const { report } = await readTable(file);

    expect(report.identifiers).toEqual([{ name: 'user_id', reason: 'named as an identifier' }]);
  });

  it('recognises the word id in names, not the letters', () => {
    expect(['id', 'ID', 'Clothing ID', 'user_id', 'customerId', 'row-uuid'].map(namedAsIdentifier)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['valid', 'paid', 'android', 'idle', 'width'].map(namedAsIdentifier)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
