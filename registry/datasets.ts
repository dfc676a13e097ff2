/** Uploaded datasets: content-addressed by SHA-256, each with the data profile computed at upload. */
import { desc, eq } from 'drizzle-orm';

import type { Registry } from './db';
import { RegistryError } from './errors';
import { datasets } from './schema';
import { iso } from './util';

/** A dataset as recorded. */
export interface DatasetRecord {
  readonly sha256: string;
  readonly name: string;
  readonly uri: string;
  readonly bytes: number;
  readonly uploadedBy: string;
  readonly createdAt: string;
}

/** A dataset with its profile (columns, types, missing values, anomalies). */
export interface DatasetWithProfile extends DatasetRecord {
  readonly profile: Readonly<Record<string, unknown>>;
}

/**
 * Records a dataset; uploading the same bytes again keeps the first record and returns it with
 * `created: false`.
 */
export async function recordDataset(
  registry: Registry,
  input: Omit<DatasetWithProfile, 'createdAt'>,
): Promise<{ dataset: DatasetRecord; created: boolean }> {
  const inserted = await registry.db
    .insert(datasets)
    .values({ ...input, profile: { ...input.profile } })
    .onConflictDoNothing()
    .returning({ sha256: datasets.sha256 });
  const stored = await getDataset(registry, input.sha256);
  const dataset: DatasetRecord = {
    sha256: stored.sha256,
    name: stored.name,
    uri: stored.uri,
    bytes: stored.bytes,
    uploadedBy: stored.uploadedBy,
    createdAt: stored.createdAt,
  };
  return { dataset, created: inserted.length > 0 };
}

/** Every dataset, newest first, without profiles. */
export async function listDatasets(registry: Registry): Promise<DatasetRecord[]> {
  const rows = await registry.db
    .select({
      sha256: datasets.sha256,
      name: datasets.name,
      uri: datasets.uri,
      bytes: datasets.bytes,
      uploadedBy: datasets.uploadedBy,
      createdAt: datasets.createdAt,
    })
    .from(datasets)
    .orderBy(desc(datasets.createdAt));
  return rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) }));
}

/**
 * One dataset with its profile.
 * @throws RegistryError (reason 'not found') when no dataset has that SHA-256.
 */
export async function getDataset(registry: Registry, sha256: string): Promise<DatasetWithProfile> {
  const [row] = await registry.db.select().from(datasets).where(eq(datasets.sha256, sha256));
  if (!row) throw new RegistryError(`dataset ${sha256} not found`, { reason: 'not found', sha256 });
  return { ...row, createdAt: iso(row.createdAt) };
}
