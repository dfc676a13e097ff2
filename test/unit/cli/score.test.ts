/** What `distillery score` prints and writes: the one-line summary and the predictions as CSV. */
import { frameToCsv, scoreSummary } from '../../../cli/commands/score';
import { makeFrame } from '../../../core/data/frame';
import type { BatchPredictResult } from '../../../workflows/batch-predict';

const RESULT: BatchPredictResult = {
  modelName: 'spam',
  version: 3,
  rows: 4,
  classes: ['ham', 'spam'],
  predicted: { ham: 3, spam: 1 },
  predictions: { uri: 'artifacts/predictions/ab.parquet', sha256: 'ab', kind: 'predictions', bytes: 10 },
};

describe('scoreSummary', () => {
  it('names the version, the rows, the rows per class and where the predictions are', () => {
    expect(scoreSummary(RESULT, '/tmp/out.csv')).toBe(
      'Scored 4 rows with spam@3: ham 3, spam 1 (predictions written to /tmp/out.csv)',
    );
    expect(scoreSummary({ ...RESULT, predicted: { ham: 4 } }, undefined)).toBe(
      'Scored 4 rows with spam@3: ham 4, spam 0 (predictions in the artifact artifacts/predictions/ab.parquet)',
    );
  });
});

describe('frameToCsv', () => {
  it('writes a header and one line per row, quoting only the fields that need it', () => {
    const frame = makeFrame(
      ['row_id', 'label', 'p_ham'],
      { row_id: 'string', label: 'string', p_ham: 'number' },
      { row_id: ['a,1', 'say "hi"', null], label: ['ham', 'spam', 'ham'], p_ham: [0.25, 1e-7, 1] },
    );

    expect(frameToCsv(frame)).toBe('row_id,label,p_ham\n"a,1",ham,0.25\n"say ""hi""",spam,1e-7\n,ham,1\n');
  });
});
