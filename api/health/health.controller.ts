/** Liveness and readiness probes for orchestrators and load balancers. */
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';

import { RegistryService } from '../registry/registry.service';

/** How long `/readyz` waits for the registry before answering 503, so probes get a prompt answer. */
export const READINESS_TIMEOUT_MS = 5_000;

/** Body of a successful probe. */
export interface ProbeStatus {
  readonly status: 'ok';
}

/** Body of a 503 from `/readyz`: which dependency failed and why. */
export interface NotReadyBody {
  readonly status: 'unavailable';
  readonly failed: 'registry';
  readonly message: string;
}

/** `GET /healthz` and `GET /readyz`. */
@Controller()
export class HealthController {
  constructor(@Inject(RegistryService) private readonly registry: RegistryService) {}

  /**
   * Liveness: 200 while the process serves HTTP. It never touches a dependency, so a database
   * outage makes the API unready rather than restarting it.
   */
  @Get('healthz')
  healthz(): ProbeStatus {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 once the registry is open and answers `select 1`.
   * @throws ServiceUnavailableException (503, {@link NotReadyBody}) when it does not answer within
   *   {@link READINESS_TIMEOUT_MS}.
   */
  @Get('readyz')
  async readyz(): Promise<ProbeStatus> {
    try {
      await withTimeout(this.registry.ping(), READINESS_TIMEOUT_MS);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const body: NotReadyBody = { status: 'unavailable', failed: 'registry', message };
      throw new ServiceUnavailableException(body);
    }
    return { status: 'ok' };
  }
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
