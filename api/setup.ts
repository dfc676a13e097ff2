/**
 * Builds the application exactly as it runs in production: Nest on fastify with request ids,
 * multipart uploads with a size limit, a per-key rate limit, the audit hook, request metrics, and
 * the OpenAPI document at `/docs` (JSON at `/docs-json`). `main.ts` and the tests both use it.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import { AppModule } from './app.module';
import { registerAuditHook } from './audit/audit-hook';
import { presentedKey } from './auth/api-key.guard';
import { setupDocs } from './docs';
import { MetricsService } from './metrics/metrics.service';
import { RegistryService } from './registry/registry.service';
import type { ApiSettings } from './settings/api-settings';
import { API_SETTINGS } from './settings/settings.module';

/** Header carrying the request id, in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Largest JSON body (predict batches, run configurations). */
export const JSON_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Nest's logger; `false` silences it (tests). */
  readonly logger?: LoggerService | false;
}

/** Creates, configures and initialises the application (not yet listening). */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ genReqId, bodyLimit: JSON_BODY_LIMIT_BYTES });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    logger: options.logger ?? undefined,
    abortOnError: false,
  });
  await configureApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** Adds the fastify plugins and hooks and the OpenAPI document to a created application. */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const settings = app.get<ApiSettings>(API_SETTINGS);
  const registry = app.get(RegistryService);
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();

  await app.register(multipart, { limits: { fileSize: settings.uploadLimitBytes, files: 1, fields: 4 } });
  await app.register(rateLimit, {
    max: settings.rateLimitPerMinute,
    timeWindow: '1 minute',
    keyGenerator: rateLimitKey,
    allowList: (request) => ['/healthz', '/readyz', '/metrics'].includes(request.url),
  });
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
  });
  registerAuditHook(fastify, () => registry.get());
  setupDocs(app);
}

/** The client's `X-Request-Id` when it is a sane token, otherwise a fresh UUID. */
function genReqId(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Requests are counted per API key (by its hash, never the key), or per address without one. */
function rateLimitKey(request: FastifyRequest): string {
  const key = presentedKey(request);
  return key ? `key:${createHash('sha256').update(key).digest('hex')}` : `ip:${request.ip}`;
}
