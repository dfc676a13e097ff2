import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LocalArtifactStore } from '../../../artifacts/store';
import type { ArtifactRef } from '../../../common/contracts';
import { SUMMARY_BUDGET_BYTES, withinSummaryBudget } from '../../../activities/summary-budget';

describe('withinSummaryBudget', () => {
  let home: string;
  let store: LocalArtifactStore;
  const output: ArtifactRef = { uri: 'file:///x', sha256: 'a'.repeat(64), kind: 'cleaned', bytes: 1 };

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'distillery-budget-'));
    store = new LocalArtifactStore(join(home, 'artifacts'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('should return a small summary exactly as it is, with no extra artifact', async () => {
    const result = { outputs: { cleaned: output }, summary: { rowsIn: 10, rowsOut: 9 } };

    await expect(withinSummaryBudget(store, result)).resolves.toBe(result);
  });

  it('should move the largest fields of a wide summary into one artifact until the rest fits', async () => {
    const schema = Array.from({ length: 3001 }, (_, i) => ({ name: `f${i}`, type: 'DOUBLE' }));
    const missing = Object.fromEntries(schema.map((c) => [c.name, 0]));
    const summary = { rowsIn: 200, rowsOut: 200, schema, missingByColumn: missing };

    const result = await withinSummaryBudget(store, { outputs: { cleaned: output }, summary });

    expect(Buffer.byteLength(JSON.stringify(result.summary))).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES);
    expect(result.summary).toEqual({
      rowsIn: 200,
      rowsOut: 200,
      schema: { movedTo: 'summaryDetails', bytes: JSON.stringify(schema).length },
      missingByColumn: missing,
    });
    expect(result.outputs.cleaned).toBe(output);
    expect(await store.getJson(result.outputs.summaryDetails!)).toEqual({ schema });
  });
});
