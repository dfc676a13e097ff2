/**
 * Prometheus metrics of the API: request and predict latency, runs started, and, read from the
 * registry at each scrape, runs by status and step durations (so they count runs started by any
 * client, not only this process).
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry as MetricsRegistry } from 'prom-client';

import { countRunsByStatus, stepDurationStats } from '../../registry/runs';
import { RegistryService } from '../registry/registry.service';

/** Buckets (seconds) of the latency histograms: 0.5 ms to 10 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  /** This application's metrics registry (not prom-client's global one, so several apps may coexist). */
  readonly registry = new MetricsRegistry();

  readonly httpDuration = new Histogram({
    name: 'distillery_http_request_duration_seconds',
    help: 'Time from request to response, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly predictLatency = new Histogram({
    name: 'distillery_predict_latency_seconds',
    help: 'Time to predict one request (all its records), by model.',
    labelNames: ['model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly predictRecords = new Counter({
    name: 'distillery_predict_records_total',
    help: 'Records predicted, by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly runsStarted = new Counter({
    name: 'distillery_runs_started_total',
    help: 'Pipeline runs started through this API process.',
    registers: [this.registry],
  });

  constructor(@Inject(RegistryService) private readonly registryService: RegistryService) {
    collectDefaultMetrics({ register: this.registry, prefix: 'distillery_api_' });
    const runs: Gauge<'status'> = new Gauge({
      name: 'distillery_runs',
      help: 'Runs recorded in the registry, by status (running, succeeded, failed, cancelled).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect: (): Promise<void> => this.collectRuns(runs),
    });
    const steps: Gauge<'step' | 'stat'> = new Gauge({
      name: 'distillery_step_duration_seconds',
      help: 'Duration of recorded step executions: mean and max, by step.',
      labelNames: ['step', 'stat'] as const,
      registers: [this.registry],
      collect: (): Promise<void> => this.collectSteps(steps),
    });
  }

  /** The exposition text of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async collectRuns(gauge: Gauge<'status'>): Promise<void> {
    try {
      const counts = await countRunsByStatus(await this.registryService.get());
      for (const status of ['running', 'succeeded', 'failed', 'cancelled'] as const)
        gauge.set({ status }, counts[status] ?? 0);
    } catch (error) {
      this.logger.warn({ msg: 'run counts not collected', error: String(error) });
    }
  }

  private async collectSteps(gauge: Gauge<'step' | 'stat'>): Promise<void> {
    try {
      for (const s of await stepDurationStats(await this.registryService.get())) {
        gauge.set({ step: s.step, stat: 'mean' }, s.meanSeconds);
        gauge.set({ step: s.step, stat: 'max' }, s.maxSeconds);
      }
    } catch (error) {
      this.logger.warn({ msg: 'step durations not collected', error: String(error) });
    }
  }
}
