/**
 * Drift of a run's data against the previous run of the same model: the profile stored by the clean
 * step of the latest registered version is the baseline; {@link compareProfiles} says what changed.
 */
import { log } from '@temporalio/activity';

import type { PipelineConfig } from '../common/config';
import { ROW_ID_COLUMN } from '../common/constants';
import type { ArtifactRef } from '../common/contracts';
import { DataDriftError } from '../core/data/errors';
import { compareProfiles, type DatasetProfile, type DriftReport } from '../core/data/profile';
import { getLineage } from '../registry/lineage';
import { RegistryError } from '../registry/errors';
import type { ActivityDeps } from './deps';

/** The drift section of the clean step's summary. */
export interface DriftSummary extends DriftReport {
  /** The version whose profile was the baseline; null when the model has no registered version yet. */
  baselineVersion: number | null;
  policy: 'warn' | 'fail';
}

/**
 * Compares `profile` with the profile of the latest registered version of `config.modelName`.
 * Every finding has the severity of `config.drift.policy`; under 'fail' any finding throws
 * {@link DataDriftError} listing them all, so the run stops at clean before anything is trained.
 * A model without versions, or a version whose run stored no profile, has no baseline.
 */
export async function checkDrift(
  deps: ActivityDeps,
  config: PipelineConfig,
  profile: DatasetProfile,
): Promise<DriftSummary> {
  const { policy, ...thresholds } = config.drift;
  const baseline = await previousProfile(deps, config.modelName);
  if (!baseline) return { findings: [], status: 'ok', baselineVersion: null, policy };

  const severity = { onSchemaChange: policy, onDistributionShift: policy };
  const report = compareProfiles(baseline.profile, profile, { ...thresholds, ...severity });
  const summary = { ...report, baselineVersion: baseline.version, policy };
  if (report.status === 'fail') {
    const changes = report.findings.map((f) => f.message).join('; ');
    throw new DataDriftError(`data drifted from ${config.modelName}@${baseline.version}: ${changes}`, summary);
  }
  if (report.findings.length > 0)
    log.warn('data drift', { baselineVersion: baseline.version, findings: report.findings });
  return summary;
}

/** The clean-step profile of the latest registered version of `modelName`, if there is one. */
export async function previousProfile(
  deps: ActivityDeps,
  modelName: string,
): Promise<{ version: number; profile: DatasetProfile } | undefined> {
  const lineage = await getLineage(await deps.registry(), modelName).catch((error: unknown) => {
    if (error instanceof RegistryError && error.details.reason === 'not found') return undefined;
    throw error;
  });
  const stored = lineage?.steps.find((s) => s.step === 'clean')?.outputs.find((o) => o.kind === 'profile');
  if (!lineage || !stored) return undefined;
  const ref: ArtifactRef = { uri: stored.uri, sha256: stored.sha256, kind: 'profile', bytes: stored.bytes };
  const profile = await deps.store.getJson<DatasetProfile>(ref);
  // Profiles stored before the row id was left out of them still list it; it is bookkeeping, not data.
  return {
    version: lineage.version,
    profile: { ...profile, columns: profile.columns.filter((c) => c.name !== ROW_ID_COLUMN) },
  };
}
