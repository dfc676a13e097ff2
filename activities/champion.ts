/**
 * Champion/challenger: finds the version holding the `production` alias of the model being
 * trained and loads its student bundle, so that `evaluate` can score it on the same test rows
 * as the candidate. A champion trained on other labels or other columns is not comparable; it
 * is reported as incompatible, with the reason, and left out of the gate.
 */
import type { ArtifactStore } from '../artifacts/store';
import type { StudentBundle } from '../core/bundle';
import { getLineage, resolveAlias } from '../registry/repository';
import type { Registry } from '../registry/db';
import type { PreparedTransform } from './prepared';

/** The alias whose holder is the champion. */
export const CHAMPION_ALIAS = 'production';

/** Whom the candidate was compared with; `status` 'none' when no version holds the alias. */
export type ChampionInfo =
  | { readonly status: 'none' }
  | { readonly status: 'incompatible'; readonly version: number; readonly reason: string }
  | { readonly status: 'compared'; readonly version: number };

/** The production version's bundle, or why there is nothing to compare with. */
export type Champion =
  | { readonly info: ChampionInfo; readonly bundle?: undefined }
  | { readonly info: ChampionInfo; readonly bundle: StudentBundle };

/** Loads the champion of `modelName` and checks it against the candidate's transform and columns. */
export async function loadChampion(
  registry: Registry,
  store: ArtifactStore,
  modelName: string,
  transform: PreparedTransform,
  columns: readonly string[],
): Promise<Champion> {
  const version = await resolveAlias(registry, modelName, CHAMPION_ALIAS);
  if (version === null) return { info: { status: 'none' } };
  const { student } = await getLineage(registry, modelName, version);
  const bytes = await store.getBytes({ uri: student.uri, sha256: student.sha256, kind: 'student', bytes: 0 });
  const bundle = JSON.parse(bytes.toString('utf8')) as StudentBundle;
  const reason = incompatibility(bundle.transform, transform, columns);
  if (reason) return { info: { status: 'incompatible', version, reason } };
  return { info: { status: 'compared', version }, bundle };
}

/**
 * Why a bundle cannot be scored against the candidate's test rows, or null when it can: its label
 * column and classes must be the candidate's, and every column it reads must exist in the data.
 */
export function incompatibility(
  champion: PreparedTransform,
  candidate: PreparedTransform,
  columns: readonly string[],
): string | null {
  if (champion.label !== candidate.label) return `it predicts '${champion.label}', not '${candidate.label}'`;
  if (champion.labels.join('\u0000') !== candidate.labels.join('\u0000')) {
    return `its classes (${champion.labels.join(', ')}) differ from the data's (${candidate.labels.join(', ')})`;
  }
  const available = new Set(columns);
  const needed = [
    ...(champion.text ? [champion.text] : []),
    ...champion.fitted.numeric.map((c) => c.name),
    ...champion.fitted.categorical.map((c) => c.name),
  ];
  const missing = needed.filter((c) => !available.has(c));
  return missing.length ? `the data lacks its column(s) ${missing.join(', ')}` : null;
}
