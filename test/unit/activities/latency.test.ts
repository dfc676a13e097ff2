import { latencyFigures } from '../../../activities/evaluation';

describe('latencyFigures', () => {
  it('reports the mean and the nearest-rank p50 and p99 of per-row times', () => {
    const times = Array.from({ length: 100 }, (_, i) => i + 1);

    expect(latencyFigures(times, 5000)).toEqual({
      latencyMsPerRow: 50.5,
      latencyP50Ms: 50,
      latencyP99Ms: 99,
      throughputRowsPerSecond: 5000,
    });
  });

  it('takes the largest time as p99 of a short sample', () => {
    expect(latencyFigures([3, 1, 2], 10)).toMatchObject({ latencyP50Ms: 2, latencyP99Ms: 3, latencyMsPerRow: 2 });
  });
});
