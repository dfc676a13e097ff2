import { incompatibility } from '../../../activities/champion';
import { decideGate } from '../../../activities/gate';
import type { PreparedTransform } from '../../../activities/prepared';
import type { ClassificationMetrics } from '../../../core/ml/metrics';

const CONFIG = { minMacroF1Ratio: 0.95, maxChampionMacroF1Drop: 0.005 };

function metrics(macroF1: number): ClassificationMetrics {
  return { accuracy: 0, macroF1, logLoss: 0, rocAuc: null, perClass: [], confusion: [] };
}

describe('decideGate', () => {
  it('passes with both checks recorded when there is no production version', () => {
    const gate = decideGate({ student: metrics(0.96), teacher: metrics(1), champion: { status: 'none' } }, CONFIG);

    expect(gate.passed).toBe(true);
    expect(gate.reason).toBe(
      'passed: student macro-F1 0.9600 ≥ 0.95 × teacher 1.0000; no production version to compare with',
    );
    expect(gate.checks.map((c) => [c.name, c.passed])).toEqual([
      ['teacher', true],
      ['champion', true],
    ]);
  });

  it('fails when the student falls more than the allowed drop below the production version', () => {
    const gate = decideGate(
      {
        student: metrics(0.97),
        teacher: metrics(0.98),
        champion: { status: 'compared', version: 3 },
        championMetrics: metrics(0.98),
      },
      CONFIG,
    );

    expect(gate.passed).toBe(false);
    expect(gate.reason).toBe(
      'failed: student macro-F1 0.9700 ≥ 0.95 × teacher 0.9800; ' +
        "student macro-F1 0.9700 < production version 3's 0.9800 − 0.005 on the same test rows",
    );
    expect(gate.champion).toEqual({ status: 'compared', version: 3, macroF1: 0.98 });
  });

  it('passes a student within the allowed drop of the production version', () => {
    const input = {
      student: metrics(0.976),
      teacher: metrics(0.98),
      champion: { status: 'compared', version: 2 } as const,
      championMetrics: metrics(0.98),
    };

    expect(decideGate(input, CONFIG).passed).toBe(true);
  });

  it('fails on the teacher check alone, and says why', () => {
    const gate = decideGate({ student: metrics(0.5), teacher: metrics(0.9), champion: { status: 'none' } }, CONFIG);

    expect(gate.passed).toBe(false);
    expect(gate.reason).toBe(
      'failed: student macro-F1 0.5000 < 0.95 × teacher 0.9000; no production version to compare with',
    );
  });

  it('names an incompatible production version and why it was not compared', () => {
    const champion = { status: 'incompatible', version: 4, reason: 'the data lacks its column(s) Age' } as const;
    const gate = decideGate({ student: metrics(0.96), teacher: metrics(0.97), champion }, CONFIG);

    expect(gate.passed).toBe(true);
    expect(gate.checks[1]?.detail).toBe('production version 4 not compared: the data lacks its column(s) Age');
  });
});

describe('incompatibility', () => {
  const transform = (overrides: Partial<PreparedTransform> = {}): PreparedTransform => ({
    label: 'label',
    text: 'text',
    labels: ['ham', 'spam'],
    fitted: { numeric: [], categorical: [] } as unknown as PreparedTransform['fitted'],
    ...overrides,
  });

  it('accepts a bundle over the same label, classes and available columns', () => {
    expect(incompatibility(transform(), transform(), ['label', 'text'])).toBeNull();
  });

  it('refuses other classes, another label and a missing column', () => {
    expect(incompatibility(transform({ labels: ['a', 'b'] }), transform(), ['text'])).toBe(
      "its classes (a, b) differ from the data's (ham, spam)",
    );
    expect(incompatibility(transform({ label: 'y' }), transform(), ['text'])).toBe("it predicts 'y', not 'label'");
    expect(incompatibility(transform({ text: 'body' }), transform(), ['text'])).toBe(
      'the data lacks its column(s) body',
    );
  });
});
