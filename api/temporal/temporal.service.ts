/** The API's connection to the Temporal cluster that runs the pipeline. */
import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import type { Settings } from '../../workers/settings';
import { SETTINGS } from '../settings/settings.module';

const { TaskQueueType } = temporal.api.enums.v1;

/** Which kind of task a queue's pollers take. */
export type PollerKind = 'workflow' | 'activity';

/** A task queue a workflow needs polled, and the name the refusal gives it (`field`). */
export interface QueueNeed {
  readonly field: string;
  readonly taskQueue: string;
  readonly kind: PollerKind;
}

/** Body of the 409 answered when a task queue a workflow needs has no worker polling it. */
export interface NoWorkerBody {
  readonly statusCode: 409;
  readonly error: 'NoWorker';
  readonly message: string;
  readonly field: string;
  readonly taskQueue: string;
}

/**
 * Connects to `TEMPORAL_ADDRESS` on first use and shares one client. A failed connection is not
 * cached, so the API recovers by itself once Temporal is reachable.
 * Note that the API never starts a dev server: without `TEMPORAL_ADDRESS` the Temporal routes answer 503.
 */
@Injectable()
export class TemporalService implements OnApplicationShutdown {
  private readonly logger = new Logger(TemporalService.name);
  private connecting: Promise<Client> | undefined;

  constructor(@Inject(SETTINGS) private readonly settings: Settings) {}

  /** The connected client. @throws ServiceUnavailableException when Temporal is not configured or reachable. */
  client(): Promise<Client> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  /** The namespace runs and schedules live in. */
  get namespace(): string {
    return this.settings.namespace;
  }

  /** How many workers polled `taskQueue` for tasks of `kind` recently (Temporal's DescribeTaskQueue). */
  async pollerCount(taskQueue: string, kind: PollerKind): Promise<number> {
    const client = await this.client();
    const response = await client.workflowService.describeTaskQueue({
      namespace: this.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType:
        kind === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    return response.pollers?.length ?? 0;
  }

  /**
   * Checks, in order, that each queue has a worker polling it for its kind of task.
   * @throws ConflictException ({@link NoWorkerBody}) naming the first queue that has none.
   */
  async requirePollers(needed: readonly QueueNeed[]): Promise<void> {
    for (const queue of needed) {
      if ((await this.pollerCount(queue.taskQueue, queue.kind)) > 0) continue;
      const body: NoWorkerBody = {
        statusCode: 409,
        error: 'NoWorker',
        message:
          `no worker polls task queue '${queue.taskQueue}' for ${queue.kind} tasks: ` +
          'start one, or pick another queue',
        field: queue.field,
        taskQueue: queue.taskQueue,
      };
      throw new ConflictException(body);
    }
  }

  /** Resolves when the cluster's frontend answers. */
  async ping(): Promise<void> {
    const client = await this.client();
    await client.workflowService.getSystemInfo({});
  }

  async onApplicationShutdown(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    const client = await connecting?.catch(() => undefined);
    await client?.connection.close();
  }

  private async connect(): Promise<Client> {
    const address = this.settings.temporalAddress;
    if (!address) {
      this.connecting = undefined;
      throw new ServiceUnavailableException('Temporal is not configured: set TEMPORAL_ADDRESS');
    }
    try {
      const connection = await Connection.connect({ address });
      this.logger.log({ msg: 'temporal connected', address, namespace: this.namespace });
      return new Client({ connection, namespace: this.namespace });
    } catch (error) {
      this.connecting = undefined;
      throw new ServiceUnavailableException(`Temporal at ${address} is unreachable: ${String(error)}`);
    }
  }
}
