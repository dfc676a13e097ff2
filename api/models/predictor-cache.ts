/** Loaded student bundles of the API, kept in memory so that a prediction reads no artifact. */
import { createBundlePredictor, decide, type RawRecord, type StudentBundle } from '../../core/bundle';
import type { Prediction } from './predict';

/** A bundle and its prediction function (raw records → calibrated probabilities). */
export interface LoadedPredictor {
  readonly bundle: StudentBundle;
  readonly predict: (records: readonly RawRecord[]) => Float64Array[];
}

/**
 * A least-recently-used cache of predictors keyed by `name@version` (a version's bundle never
 * changes, so entries need no expiry). Concurrent requests for a version being loaded share one load;
 * a failed load is not cached.
 */
export class PredictorCache {
  private readonly entries = new Map<string, Promise<LoadedPredictor>>();

  /** @param capacity most versions kept; the least recently used is dropped first. */
  constructor(private readonly capacity: number) {}

  /** The predictor of `key`, loading its bundle with `load` when it is not cached. */
  async get(key: string, load: () => Promise<StudentBundle>): Promise<LoadedPredictor> {
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const loading = load().then((bundle) => ({ bundle, predict: createBundlePredictor(bundle) }));
    this.entries.set(key, loading);
    loading.catch(() => this.entries.get(key) === loading && this.entries.delete(key));
    this.evict();
    return loading;
  }

  /** Versions held now. */
  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.capacity) return;
      this.entries.delete(key);
    }
  }
}

/** Predictions as the API answers them: the decided class name and the probability of each class. */
export function labelled(bundle: StudentBundle, rows: readonly Float64Array[]): Prediction[] {
  const labels = bundle.transform.labels;
  return rows.map((row) => ({
    label: labels[decide(bundle.decision, row)]!,
    probabilities: Object.fromEntries(labels.map((label, i) => [label, row[i]!])),
  }));
}
