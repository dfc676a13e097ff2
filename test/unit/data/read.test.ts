import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CsvParseError, SchemaError } from '../../../core/data/errors';
import { readCsv } from '../../../core/data/read';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const CASES = path.resolve(REPO_ROOT, 'test/fixtures/cases');
const DATASETS = path.resolve(REPO_ROOT, '../shared/datasets');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'distillery-read-'));
});

async function fixture(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, content);
  return file;
}

async function readError(file: string, options = {}): Promise<unknown> {
  return readCsv(file, options).then(
    () => undefined,
    (error: unknown) => error,
  );
}

function tally(cells: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const cell of cells) counts[String(cell)] = (counts[String(cell)] ?? 0) + 1;
  return counts;
}

describe('readCsv', () => {
  it('drops a UTF-8 byte-order mark from the first header name (L01)', async () => {
    const { frame, report } = await readCsv(path.join(CASES, 'L01-bom.csv'));

    expect(frame.columns).toEqual(['label', 'x1', 'x2']);
    expect(frame.rowCount).toBe(4);
    expect(tally(frame.values.label!)).toEqual({ yes: 2, no: 2 });
    expect(frame.values.x1).toEqual([1, 2, 1.5, 2.5]);
    expect(report.columns.map((c) => c.type)).toEqual(['string', 'number', 'number']);
  });

  it('keeps newlines, commas and doubled quotes inside quoted CRLF cells (L02)', async () => {
    const { frame } = await readCsv(path.join(CASES, 'L02-embedded-newlines.csv'));

    expect(frame.rowCount).toBe(4);
    expect(frame.values.note).toEqual([
      'first part\nsecond part, with a comma',
      'plain text',
      'para one\n\npara two',
      'says "hi"',
    ]);
    expect(frame.values.qty).toEqual([3, 4, 5, 6]);
  });

  it('rejects ragged rows, listing each bad line with expected and found field counts (L03)', async () => {
    const error = await readError(path.join(CASES, 'L03-ragged.csv'));

    expect(error).toBeInstanceOf(CsvParseError);
    const parseError = error as CsvParseError;
    expect(parseError.type).toBe('CsvParseError');
    expect(parseError.message).toContain('line 3: expected 4 fields, got 3');
    expect(parseError.message).toContain('line 4: expected 4 fields, got 5');
    expect(parseError.details.badLines).toMatchObject([
      { line: 3, expected: 4, got: 3 },
      { line: 4, expected: 4, got: 5 },
    ]);
  });

  it('reports the physical line of a ragged record that follows a multi-line quoted cell', async () => {
    const file = await fixture('ragged-semicolon.csv', 'a;b;label\n"x\ny";1;p\n"q\nr";2\n3;4;z\n');

    const error = (await readError(file)) as CsvParseError;

    expect(error).toBeInstanceOf(CsvParseError);
    expect(error.details.badLines).toMatchObject([{ line: 4, record: 3, expected: 3, got: 2 }]);
  });

  it('does not turn trailing blank lines into rows (L03b)', async () => {
    const { frame } = await readCsv(path.join(CASES, 'L03b-trailing-blank-lines.csv'));

    expect(frame.rowCount).toBe(2);
    expect(frame.values.label).toEqual(['a', 'b']);
  });

  it('rejects duplicate header names, naming the name and its 1-based positions (L05)', async () => {
    const error = (await readError(path.join(CASES, 'L05-duplicate-headers.csv'))) as SchemaError;

    expect(error).toBeInstanceOf(SchemaError);
    expect(error.message).toContain('"f" at positions 1 and 2');
    expect(error.details).toMatchObject({ column: 'f', positions: [1, 2] });
  });

  it('finds duplicate header names that are not adjacent', async () => {
    const file = await fixture('dup-far.csv', 'id,score,label,score\n1,2,a,3\n');

    const error = (await readError(file)) as SchemaError;

    expect(error.details).toMatchObject({ column: 'score', positions: [2, 4] });
  });

  it('keeps the literal NA as a value; only the empty field is missing by default (L07)', async () => {
    const { frame, report } = await readCsv(path.join(CASES, 'L07-na-literal.csv'));

    expect(tally(frame.values.region!)).toEqual({ NA: 2, EU: 1, APAC: 1, null: 1 });
    expect(report.columns[0]).toEqual({ name: 'region', type: 'string', missing: 1 });
    expect(report.missingValues).toEqual([]);
  });

  it('treats extra missing markers as missing only when asked, and records them', async () => {
    const { frame, report } = await readCsv(path.join(CASES, 'L07-na-literal.csv'), { missingValues: ['NA'] });

    expect(frame.values.region).toEqual([null, 'EU', 'APAC', null, null]);
    expect(report.missingValues).toEqual(['NA']);
  });

  it('reads a Latin-1 file exactly when the encoding is given (L08)', async () => {
    const { frame, report } = await readCsv(path.join(CASES, 'L08-latin1.csv'), { encoding: 'latin-1' });

    expect(frame.values.city).toEqual(['Zürich', 'Málaga', 'Besançon', 'Tromsø']);
    expect(frame.values.temp).toEqual([12, 24, 15, 4]);
    expect(report.encoding).toBe('latin-1');
  });

  it('fails on a Latin-1 file read as UTF-8, naming line 2 and byte offset 17 (L08)', async () => {
    const error = (await readError(path.join(CASES, 'L08-latin1.csv'))) as CsvParseError;

    expect(error).toBeInstanceOf(CsvParseError);
    expect(error.details).toMatchObject({ line: 2, byteOffset: 17 });
    expect(error.message).toContain('byte offset 17');
  });

  it('never stores U+FFFD: a bad byte on a later line is found too', async () => {
    const bytes = Buffer.concat([Buffer.from('name,label\nok,a\n'), Buffer.from([0x41, 0xe9, 0x2c, 0x62, 0x0a])]);
    const file = await fixture('late-latin1.csv', bytes);

    const error = (await readError(file)) as CsvParseError;
    const decoded = await readCsv(file, { encoding: 'iso-8859-1' });

    expect(error.details).toMatchObject({ line: 3, byteOffset: 17 });
    expect(decoded.frame.values.name).toEqual(['ok', 'Aé']);
  });

  it('infers types over the whole column, keeping IDs, huge integers and late text as strings', async () => {
    const rows = ['1,007,9007199254740993,1.5e3,3', '2,010,1,-0.25,x', '3,123,2,.5,4'];
    const file = await fixture('types.csv', `n,zip,big,sci,late\n${rows.join('\n')}\n`);

    const { frame } = await readCsv(file);

    expect(frame.types).toEqual({ n: 'number', zip: 'string', big: 'string', sci: 'number', late: 'string' });
    expect(frame.values.zip).toEqual(['007', '010', '123']);
    expect(frame.values.big).toEqual(['9007199254740993', '1', '2']);
    expect(frame.values.sci).toEqual([1500, -0.25, 0.5]);
    expect(frame.values.late).toEqual(['3', 'x', '4']);
  });

  it('keeps NaN and Infinity as text, so the column is a string column', async () => {
    const file = await fixture('nonfinite.csv', 'v,label\n1,a\nNaN,b\nInfinity,a\n');

    const { frame } = await readCsv(file);

    expect(frame.types.v).toBe('string');
  });

  it('rejects columnNames whose count does not match the file', async () => {
    const file = await fixture('two.tsv', 'a\tb\nc\td\n');

    const error = await readError(file, { delimiter: '\t', header: false, columnNames: ['only'] });

    expect(error).toBeInstanceOf(SchemaError);
  });

  it('rejects an empty file with a clear error', async () => {
    const file = await fixture('empty.csv', '');

    expect(await readError(file)).toBeInstanceOf(CsvParseError);
  });

  it('reads the header-less SMS Spam TSV with given column names', async () => {
    const file = path.join(DATASETS, 'sms_spam/SMSSpamCollection');

    const { frame, report } = await readCsv(file, { delimiter: '\t', header: false, columnNames: ['label', 'text'] });

    expect(report.rows).toBe(5574);
    expect(report.header).toBe(false);
    expect(tally(frame.values.label!)).toEqual({ ham: 4827, spam: 747 });
  });

  it('reads sms_spam.csv with a sniffed header and delimiter', async () => {
    const { frame, report } = await readCsv(path.join(DATASETS, 'sms_spam/sms_spam.csv'));

    expect(report).toMatchObject({ rows: 5574, delimiter: ',', header: true });
    expect(frame.columns).toEqual(['label', 'text']);
    expect(tally(frame.values.label!)).toEqual({ ham: 4827, spam: 747 });
  });
});
