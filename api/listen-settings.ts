/** Where the HTTP server listens, from the environment, validated at start-up. */
import { z } from 'zod';

import { InvalidConfigError } from '../common/errors';

const listenSchema = z.object({
  /** TCP port. Default 3000. */
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  /** Interface to bind. Default `0.0.0.0`: every interface, as a container needs. */
  HOST: z.string().min(1).default('0.0.0.0'),
});

/** Validated listen address of the API. */
export interface ListenSettings {
  readonly port: number;
  readonly host: string;
}

/**
 * Reads `PORT` (default 3000) and `HOST` (default `0.0.0.0`); empty values count as unset.
 * @throws InvalidConfigError naming the variable to fix.
 */
export function loadListenSettings(env: NodeJS.ProcessEnv = process.env): ListenSettings {
  const parsed = listenSchema.safeParse({ PORT: env.PORT || undefined, HOST: env.HOST || undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidConfigError(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid');
  }
  return { port: parsed.data.PORT, host: parsed.data.HOST };
}
