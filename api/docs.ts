/**
 * The OpenAPI document and its interactive page: `/docs` (Swagger UI), `/docs-json` and
 * `/docs-yaml`. The UI's assets are read from the `swagger-ui-dist` package, never from the network.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

import { API_KEY_SCHEME } from './auth/roles';

/** The UI files served under `/docs/assets/`, with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE =
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Distillery API</title>` +
  `<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`;

/** Serves the document (built from the controllers' decorators and the zod request schemas) and the UI. */
export function setupDocs(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(app, documentConfig());
  SwaggerModule.setup('docs', app, document, { ui: false });
  const fastify = app.getHttpAdapter().getInstance();
  const root = dirname(require.resolve('swagger-ui-dist/package.json'));
  fastify.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  fastify.get<{ Params: { file: string } }>('/docs/assets/:file', async (request, reply) => {
    const type = ASSETS[request.params.file];
    if (!type) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such asset' });
    return reply
      .type(type)
      .header('Cache-Control', 'public, max-age=86400')
      .send(await readFile(join(root, request.params.file)));
  });
}

function documentConfig() {
  return new DocumentBuilder()
    .setTitle('Distillery API')
    .setDescription(
      'Trigger and follow distillation runs, upload datasets, serve and promote models, schedule retraining, ' +
        'and read lineage and the audit log. Every route but the probes, /metrics and /docs requires an API key ' +
        '(`X-Api-Key: <key>` or `Authorization: Bearer <key>`) of role viewer, operator or admin.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, API_KEY_SCHEME)
    .build();
}
