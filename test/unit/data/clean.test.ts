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
      missingPolicy: 'keep',
      droppedMissingFeature: 0,
      flaggedColumns: [],
      piiRedacted: { email: 0, phone: 0, card: 0 },
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

describe('cleanFrame rules', () => {
  it('drops the labelled rows that miss a feature under the drop policy, counting them', () => {
    const { frame, report } = cleanFrame(messyFrame(), { ...spec(), missing: 'drop' });

    expect(frame.values[ROW_ID_COLUMN]).toEqual([0]);
    expect(report).toMatchObject({ droppedMissingLabel: 1, droppedMissingFeature: 2, rowsOut: 1 });
  });

  it('adds a 0/1 __isna column per feature with a missing value under the flag policy', () => {
    const { frame, report } = cleanFrame(messyFrame(), { ...spec(), missing: 'flag' });

    expect(frame.columns).toEqual(['label', 'text', 'city', 'age', ROW_ID_COLUMN, 'city__isna', 'age__isna']);
    expect(frame.values.city__isna).toEqual([0, 1, 1]);
    expect(frame.values.age__isna).toEqual([0, 1, 0]);
    expect(report.flaggedColumns).toEqual(['city__isna', 'age__isna']);
  });

  it('redacts e-mail addresses, phone numbers and Luhn-valid cards in string columns, not in labels', () => {
    const frame = makeFrame(
      ['label', 'text', 'note'],
      { label: 'string', text: 'string', note: 'string' },
      {
        label: ['a@b.com', 'x'],
        text: ['mail jo.doe+x@mail.example.co.uk or call +44 (0)20 7946 0958', 'card 4111 1111 1111 1111 ok'],
        note: ['order 4111 1111 1111 1112, text 87121', 'ring 08712345678'],
      },
    );

    const { frame: out, report } = cleanFrame(frame, {
      label: 'label',
      text: 'text',
      features: ['note'],
      redactPii: true,
    });

    expect(out.values.label).toEqual(['a@b.com', 'x']);
    expect(out.values.text).toEqual(['mail <email> or call <phone>', 'card <card> ok']);
    expect(out.values.note).toEqual(['order 4111 1111 1111 1112, text 87121', 'ring <phone>']);
    expect(report.piiRedacted).toEqual({ email: 1, phone: 2, card: 1 });
  });

  it('leaves text unchanged when redaction is off', () => {
    const frame = makeFrame(
      ['label', 'text'],
      { label: 'string', text: 'string' },
      { label: ['a'], text: ['x@y.org'] },
    );

    expect(cleanFrame(frame, { label: 'label', text: 'text', features: [] }).frame.values.text).toEqual(['x@y.org']);
  });
});

function spec() {
  return { label: 'label', text: 'text', features: ['city', 'age'] };
}

describe('decodeHtmlEntities', () => {
  it('decodes every named entity of the HTML standard, not a short list', () => {
    expect(decodeHtmlEntities('&hearts; &frac12; &Omega; &rarr; &eacute;')).toBe('\u2665 \u00bd \u03a9 \u2192 \u00e9');
  });

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
