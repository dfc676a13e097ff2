/** Liveness and readiness probes for orchestrators and load balancers. */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';

import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

import type { LocalArtifactStore } from '../../artifacts/store';
import type { Settings } from '../../workers/settings';
import { PublicRoute } from '../auth/roles';
import { RegistryService } from '../registry/registry.service';
import { ARTIFACT_STORE, SETTINGS } from '../settings/settings.module';
import { TemporalService } from '../temporal/temporal.service';

/** How long `/readyz` waits for the registry before answering 503, so probes get a prompt answer. */
export const READINESS_TIMEOUT_MS = 5_000;

/** Body of a successful probe. */
export interface ProbeStatus {
  readonly status: 'ok';
}

/** What `/readyz` checks, in order. */
export type Dependency = 'registry' | 'temporal' | 'artifacts';

/** Body of a 503 from `/readyz`: which dependency failed and why. */
export interface NotReadyBody {
  readonly status: 'unavailable';
  readonly failed: Dependency;
  readonly message: string;
}

/** `GET /healthz` and `GET /readyz`; public. */
@ApiExcludeController()
@PublicRoute()
@Controller()
export class HealthController {
  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(TemporalService) private readonly temporal: TemporalService,
    @Inject(ARTIFACT_STORE) private readonly store: LocalArtifactStore,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /**
   * Liveness: 200 while the process serves HTTP. It never touches a dependency, so a database
   * outage makes the API unready rather than restarting it.
   */
  @Get('healthz')
  healthz(): ProbeStatus {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 once the registry answers `select 1`, Temporal answers its health check (when
   * `TEMPORAL_ADDRESS` is set; without it the run and schedule routes answer 503 but models and
   * predictions are served), and the artifact store's folder is writable.
   * @throws ServiceUnavailableException (503, {@link NotReadyBody}) naming the first dependency that
   *   fails or does not answer within {@link READINESS_TIMEOUT_MS}.
   */
  @Get('readyz')
  async readyz(): Promise<ProbeStatus> {
    const checks: [Dependency, () => Promise<void>][] = [
      ['registry', () => this.registry.ping()],
      ['temporal', () => (this.settings.temporalAddress ? this.temporal.ping() : Promise.resolve())],
      ['artifacts', () => writable(this.store.root)],
    ];
    for (const [failed, check] of checks) {
      try {
        await withTimeout(check(), READINESS_TIMEOUT_MS);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const body: NotReadyBody = { status: 'unavailable', failed, message };
        throw new ServiceUnavailableException(body);
      }
    }
    return { status: 'ok' };
  }
}

async function writable(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await access(folder, constants.W_OK);
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
