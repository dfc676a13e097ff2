/**
 * A registered model version as the teacher (continual retraining): the student bundle stored by
 * an earlier run scores this run's records, and its calibrated probabilities become the soft
 * targets. Nothing is fitted: the earlier student is the teacher as it was registered.
 */
import type { ArtifactStore } from '../../../artifacts/store';
import type { ArtifactRef } from '../../../common/contracts';
import { InvalidConfigError } from '../../../common/errors';
import { createBundlePredictor, type RawRecord, type StudentBundle } from '../../bundle';
import type { Cell, Frame } from '../../data/frame';
import { MISSING_SUFFIX, RARE_CATEGORY, type Transform } from '../../data/standardize';
import type { Registry } from '../../../registry/db';
import { getLineage, resolveAlias } from '../../../registry/repository';
import { RegistryError } from '../../../registry/errors';
import type { TeacherIdentity } from './types';

/** A parsed `name@version` or `name@alias`. */
export interface ModelReference {
  readonly name: string;
  readonly version?: number;
  readonly alias?: string;
}

/** Splits `name@version` / `name@alias` (validated by the config schema) at its last '@'. */
export function parseModelReference(reference: string): ModelReference {
  const at = reference.lastIndexOf('@');
  if (at <= 0) throw new InvalidConfigError('teacher.model', `'${reference}' is not name@version or name@alias`);
  const name = reference.slice(0, at);
  const tag = reference.slice(at + 1);
  return /^\d+$/.test(tag) ? { name, version: Number(tag) } : { name, alias: tag };
}

/** A registered teacher: who it is, and its prediction function on raw records. */
export interface RegisteredTeacher {
  readonly identity: TeacherIdentity;
  /** Class names of the registered model, in its probability order. */
  readonly classes: readonly string[];
  readonly predict: (records: readonly RawRecord[]) => Float64Array[];
}

/**
 * Resolves `reference` in the registry and loads its student bundle from the artifact store
 * (whose read checks the bundle's SHA-256 against the registered one).
 * @throws RegistryError (reason 'not found') for an unknown model, version or unset alias.
 */
export async function loadRegisteredTeacher(
  registry: Registry,
  store: ArtifactStore,
  reference: string,
): Promise<RegisteredTeacher> {
  const { name, version } = await resolveReference(registry, parseModelReference(reference));
  const lineage = await getLineage(registry, name, version);
  const bundle = await store.getJson<StudentBundle>(studentRef(lineage));
  return {
    identity: { name: `registered:${name}`, version: `${name}@${version}`, sha256: lineage.student.sha256 },
    classes: bundle.transform.labels,
    predict: createBundlePredictor(bundle),
  };
}

async function resolveReference(registry: Registry, reference: ModelReference) {
  if (reference.version !== undefined) return { name: reference.name, version: reference.version };
  const version = await resolveAlias(registry, reference.name, reference.alias!);
  if (version === null) {
    throw new RegistryError(`model '${reference.name}' has no alias '${reference.alias}'`, {
      reason: 'not found',
      modelName: reference.name,
      alias: reference.alias,
    });
  }
  return { name: reference.name, version };
}

/** The student's full artifact reference, as the step that wrote it recorded it. */
function studentRef(lineage: Awaited<ReturnType<typeof getLineage>>): ArtifactRef {
  const output = lineage.steps.flatMap((s) => s.outputs).find((a) => a.sha256 === lineage.student.sha256);
  if (!output) {
    throw new RegistryError(`model '${lineage.modelName}' version ${lineage.version} has no student artifact`, {
      reason: 'not found',
      modelName: lineage.modelName,
      version: lineage.version,
    });
  }
  return { uri: output.uri, sha256: output.sha256, kind: output.kind as ArtifactRef['kind'], bytes: output.bytes };
}

/**
 * Raw records back from a standardized frame, for a teacher that applies its own transform:
 * numeric cells are un-z-scored exactly (missing where the `__missing` flag is set), one-hot
 * columns become their category again. A category this run saw rarely comes back as the first
 * of its rare categories and an unseen one as missing: the registered model's transform then
 * buckets them as it would have. Text and other columns pass through.
 */
export function recordsOfStandardized(frame: Frame, transform: Transform, columns: readonly string[]): RawRecord[] {
  const numeric = new Map(transform.numeric.map((t) => [t.name, t]));
  const categorical = new Map(transform.categorical.map((t) => [t.name, t]));
  return Array.from({ length: frame.rowCount }, (_, row) => {
    const cell = (name: string): Cell => frame.values[name]?.[row] ?? null;
    const entries = columns.map((name): [string, Cell] => {
      const n = numeric.get(name);
      if (n) return [name, cell(`${name}${MISSING_SUFFIX}`) === 1 ? null : n.mean + Number(cell(name) ?? 0) * n.std];
      const c = categorical.get(name);
      if (!c) return [name, cell(name)];
      const category = c.categories.find((k) => cell(`${name}=${k}`) === 1);
      return [name, category ?? (cell(`${name}=${RARE_CATEGORY}`) === 1 ? (c.rare[0] ?? null) : null)];
    });
    return Object.fromEntries(entries);
  });
}
