import path from 'node:path';
import { ROW_ID_COLUMN } from '../../../common/constants';
import { cleanFrame, decodeHtmlEntities } from '../../../core/data/clean';
import { SchemaError } from '../../../core/data/errors';
import { makeFrame } from '../../../core/data/frame';
import { readCsv } from '../../../core/data/read';

const DATASETS = path.resolve(__dirname, '../../..', '../shared/datasets');

function messyFrame() {
  return makeFrame(
    ['extra', 'text', 'label', 'age', 'city'],
    { extra: 'string', text: 'string', label: 'string', age: 'number', city: 'string' },
    {
      extra: ['x', 'y', 'z', 'w'],
      text: ['  I &lt;3 U &amp;amp; me ', null, 'Cafe\u0301 &#39;ok&#x27;', 'no label'],
      label: [' ham ', 'spam', 'ham', '   '],
      age: [31, null, 40, 22],
      city: ['  Köln', '', null, 'Oslo'],
    },
  );
}

describe('cleanFrame', () => {
  it('keeps label, text and features in that order and adds the original row index', () => {
    const { frame } = cleanFrame(messyFrame(), { label: 'label', text: 'text', features: ['city', 'age'] });

    expect(frame.columns).toEqual(['label', 'text', 'city', 'age', ROW_ID_COLUMN]);
    expect(frame.types[ROW_ID_COLUMN]).toBe('number');
    expect(frame.values[ROW_ID_COLUMN]).toEqual([0, 1, 2]);
  });

  it('trims fields, keeps free-text spacing, decodes entities once, applies NFC, drops unlabelled rows', () => {
    const { frame } = cleanFrame(messyFrame(), { label: 'label', text: 'text', features: ['city', 'age'] });

    expect(frame.values.label).toEqual(['ham', 'spam', 'ham']);
    expect(frame.values.text).toEqual(['  I <3 U &amp; me ', '', "Caf\u00e9 'ok'"]);
    expect(frame.values.city).toEqual(['Köln', null, null]);
    expect(frame.values.age).toEqual([31, null, 40]);
  });

  it('reports rows in and out, dropped labels, decoded cells, filled text and missing cells', () => {
    const { report } = cleanFrame(messyFrame(), { label: 'label', text: 'text', features: ['city', 'age'] });

    expect(report).toEqual({
      rowsIn: 4,
      rowsOut: 3,
      droppedMissingLabel: 1,
      htmlDecoded: 2,
      missingTextFilled: 1,
      missingByColumn: { label: 0, text: 1, city: 2, age: 1 },
    });
  });

  it('works without a text column', () => {
    const { frame, report } = cleanFrame(messyFrame(), { label: 'label', features: ['age'] });

    expect(frame.columns).toEqual(['label', 'age', ROW_ID_COLUMN]);
    expect(report.htmlDecoded).toBe(0);
    expect(report.missingTextFilled).toBe(0);
  });

  it('names every absent spec column and lists the available ones', () => {
    const clean = (): unknown => cleanFrame(messyFrame(), { label: 'target', text: 'text', features: ['zip'] });

    expect(clean).toThrow(SchemaError);
    expect(clean).toThrow('"target", "zip" not found; available columns: extra, text, label, age, city');
  });

  it('decodes the HTML entities of 309 SMS Spam messages', async () => {
    const { frame } = await readCsv(path.join(DATASETS, 'sms_spam/sms_spam.csv'));

    const { report } = cleanFrame(frame, { label: 'label', text: 'text', features: [] });

    expect(report.htmlDecoded).toBe(309);
    expect(report.rowsOut).toBe(5574);
  });
});

describe('decodeHtmlEntities', () => {
  it('decodes named and numeric entities', () => {
    expect(decodeHtmlEntities('&lt;&gt;&amp;&quot;&apos;&nbsp;&#39;&#x27;&#X41;')).toBe("<>&\"'\u00a0''A");
  });

  it('leaves unknown names, invalid code points and bare ampersands as written', () => {
    expect(decodeHtmlEntities('T&C &foo; &#0; &#xD800; &#1114112; & &lt')).toBe(
      'T&C &foo; &#0; &#xD800; &#1114112; & &lt',
    );
  });

  it('decodes only once, so an escaped entity stays an entity', () => {
    expect(decodeHtmlEntities('&amp;lt;')).toBe('&lt;');
  });
});
