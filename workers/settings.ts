/**
 * Process settings from the environment, validated at start-up. Defaults make one command work on
 * a bare machine: an embedded registry and a local artifact folder under `DISTILLERY_HOME`, and a
 * local Temporal dev server when no `TEMPORAL_ADDRESS` is set.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

import { z } from 'zod';

import { InvalidConfigError } from '../common/errors';

const settingsSchema = z.object({
  /** Data folder: artifacts, caches, the embedded registry. Default `./.distillery`. */
  DISTILLERY_HOME: z.string().default('.distillery'),
  /** PostgreSQL URL of the registry; unset → embedded PGlite in `$DISTILLERY_HOME/registry`. */
  DATABASE_URL: z.string().url().optional(),
  /** Temporal frontend `host:port`; unset → the CLI starts a local dev server. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  /** Temporal namespace. Default `default`. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Folder of the teacher's model files; unset → the npm package's copy. */
  DISTILLERY_TEACHER_DIR: z.string().min(1).optional(),
  /** Threads that run the teacher encoder in parallel. Default: the machine's cores, at most 4. */
  DISTILLERY_TEACHER_THREADS: z.coerce.number().int().min(1).max(64).optional(),
});

/** Validated process settings. */
export interface Settings {
  readonly home: string;
  readonly databaseUrl?: string;
  readonly temporalAddress?: string;
  readonly namespace: string;
  readonly teacherDir?: string;
  /** Threads of the teacher encoder; unset → 1 (the calling thread). */
  readonly teacherThreads?: number;
}

/**
 * Reads and validates settings.
 * @throws InvalidConfigError naming the variable to fix.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidConfigError(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid');
  }
  const s = parsed.data;
  return {
    home: resolve(s.DISTILLERY_HOME),
    databaseUrl: s.DATABASE_URL,
    temporalAddress: s.TEMPORAL_ADDRESS,
    namespace: s.TEMPORAL_NAMESPACE,
    teacherDir: s.DISTILLERY_TEACHER_DIR,
    teacherThreads: s.DISTILLERY_TEACHER_THREADS ?? Math.min(4, availableParallelism()),
  };
}

function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => Boolean(e[1])));
}
