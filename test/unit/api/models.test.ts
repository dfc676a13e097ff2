/**
 * Models through HTTP: versions, one version in full, lineage as a graph, alias moves with history,
 * archiving, and predictions from a real (tiny) bundle stored in the artifact store.
 */
import path from 'node:path';

import { LocalArtifactStore } from '../../../artifacts/store';
import { createBundlePredictor } from '../../../core/bundle';
import { registerModelVersion } from '../../../registry/register';
import { registerInput } from '../registry/helpers';
import { bootApi, TINY_BUNDLE, type TestApi } from './support';

describe('model routes', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await bootApi({ DISTILLERY_PREDICT_MAX_BATCH: '3' });
    const store = new LocalArtifactStore(path.join(api.home, 'artifacts'));
    const student = await store.putJson('student', TINY_BUNDLE);
    const registry = await api.registry();
    for (const key of ['m1', 'm2']) {
      const input = registerInput('spam', key);
      const gain = key === 'm2' ? 0.02 : 0;
      await registerModelVersion(registry, { ...input, student, metrics: { ...input.metrics, macroF1: 0.9 + gain } });
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should list models with their latest version, and versions newest first', async () => {
    const models = await api.request({ method: 'GET', url: '/models', as: 'viewer' });
    const versions = await api.request({ method: 'GET', url: '/models/spam/versions', as: 'viewer' });

    expect(models.json()).toEqual([{ name: 'spam', latestVersion: 2, createdAt: expect.any(String), aliases: {} }]);
    expect(versions.json().map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  it('should show one version with its metrics, gate decision, student and its run outputs', async () => {
    const response = await api.request({ method: 'GET', url: '/models/spam/versions/1', as: 'viewer' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      modelName: 'spam',
      version: 1,
      runId: 'wf-m1/run-m1',
      metrics: { macroF1: 0.9, accuracy: 0.93 },
      gate: { passed: true, ratio: 0.97 },
      aliases: [],
      archivedAt: null,
    });
    expect(response.json().artifacts.map((a: { name: string }) => a.name)).toEqual([
      'cleaned',
      'head',
      'student',
      'evaluation',
    ]);
  });

  it('should answer the lineage with a graph from the dataset through the steps to the version', async () => {
    const { graph } = (
      await api.request({ method: 'GET', url: '/models/spam/versions/1/lineage', as: 'viewer' })
    ).json();
    const ids = graph.nodes.map((n: { id: string }) => n.id);
    const edge = (from: string, to: string) =>
      graph.edges.find((e: { from: string; to: string }) => e.from === from && e.to === to);

    expect(ids[0]).toMatch(/^dataset:/);
    expect(ids.at(-2)).toBe('version:spam@1');
    expect(edge(ids[0], 'step:clean')).toEqual({ from: ids[0], to: 'step:clean', relation: 'input', name: 'dataPath' });
    expect(graph.nodes.find((n: { id: string }) => n.id === 'version:spam@1').attributes).toMatchObject({
      runId: 'wf-m1/run-m1',
      triggeredBy: 'jest',
      codeVersion: '1.0.0+abc123',
      gatePassed: true,
    });
    expect(graph.edges.filter((e: { relation: string }) => e.relation === 'registered')).toHaveLength(1);
  });

  it('should move production atomically and keep both moves in the alias history', async () => {
    const first = await api.request({ method: 'PUT', url: '/models/spam/aliases/production', payload: { version: 1 } });
    const second = await api.request({
      method: 'PUT',
      url: '/models/spam/aliases/production',
      payload: { version: 2 },
    });
    const aliases = (await api.request({ method: 'GET', url: '/models/spam/aliases', as: 'viewer' })).json();

    expect(first.json()).toEqual({
      modelName: 'spam',
      alias: 'production',
      version: 1,
      previousVersion: null,
      changed: true,
    });
    expect(second.json()).toMatchObject({ version: 2, previousVersion: 1, changed: true });
    expect(aliases.aliases).toEqual({ production: 2 });
    expect(aliases.history.map((h: object) => ({ ...h, movedAt: undefined }))).toEqual([
      { alias: 'production', fromVersion: 1, toVersion: 2, actor: 'key:bootstrap-admin', movedAt: undefined },
      { alias: 'production', fromVersion: null, toVersion: 1, actor: 'key:bootstrap-admin', movedAt: undefined },
    ]);
  });

  it('should predict raw records by alias with the stored transform and calibration', async () => {
    const records = [
      { note: 'Win a free prize', amount: 20, colour: 'red' },
      { note: 'see you at lunch', amount: '7', colour: 'blue' },
    ];
    const response = await api.request({
      method: 'POST',
      url: '/models/spam/predict',
      payload: { records },
      as: 'operator',
    });
    const expected = createBundlePredictor(TINY_BUNDLE)(records);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ modelName: 'spam', version: 2, warnings: [] });
    response.json().predictions.forEach((p: { label: string; probabilities: Record<string, number> }, i: number) => {
      expect(p.probabilities.ham).toBeCloseTo(expected[i]![0]!, 12);
      expect(p.probabilities.spam).toBeCloseTo(expected[i]![1]!, 12);
      expect(p.label).toBe(expected[i]![1]! > expected[i]![0]! ? 'spam' : 'ham');
    });
  });

  it('should send an unseen category to the unknown bucket with a warning, and report absent columns', async () => {
    const payload = { version: 1, records: [{ note: 'hello', amount: 10, colour: 'green' }, { note: 'hi' }] };
    const response = await api.request({ method: 'POST', url: '/models/spam/predict', payload, as: 'operator' });

    expect(response.statusCode).toBe(200);
    expect(response.json().warnings).toEqual([
      { record: 0, column: 'colour', message: "category 'green' was not seen in training: mapped to __unknown__" },
      { record: 1, column: 'amount', message: 'column absent: read as a missing value' },
      { record: 1, column: 'colour', message: 'column absent: read as a missing value' },
    ]);
  });

  it('should refuse a batch above the limit, and malformed records, with 400 naming the field', async () => {
    const tooMany = await api.request({
      method: 'POST',
      url: '/models/spam/predict',
      payload: { records: [{}, {}, {}, {}] },
      as: 'operator',
    });
    const malformed = await api.request({
      method: 'POST',
      url: '/models/spam/predict',
      payload: { records: [{ note: { nested: true } }] },
      as: 'operator',
    });

    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({
      field: 'records',
      message: 'invalid request: records: at most 3 records per request, got 4',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().field).toBe('records.0.note');
  });

  it('should answer 404 for an alias nobody holds', async () => {
    const response = await api.request({
      method: 'POST',
      url: '/models/spam/predict',
      payload: { alias: 'staging', records: [{}] },
      as: 'operator',
    });

    expect(response.statusCode).toBe(404);
    expect(response.json().message).toBe("model 'spam' has no alias 'staging'");
  });

  it('should refuse to archive the production version (409), archive another, then refuse it an alias', async () => {
    const held = await api.request({ method: 'POST', url: '/models/spam/versions/2/archive' });
    const archived = await api.request({ method: 'POST', url: '/models/spam/versions/1/archive' });
    const promote = await api.request({ method: 'PUT', url: '/models/spam/aliases/staging', payload: { version: 1 } });
    const predict = await api.request({
      method: 'POST',
      url: '/models/spam/predict',
      payload: { version: 1, records: [{}] },
      as: 'operator',
    });

    expect(held.statusCode).toBe(409);
    expect(held.json().message).toBe('cannot archive spam v2: it holds alias production; move it first');
    expect(archived.json()).toMatchObject({
      version: 1,
      archivedBy: 'key:bootstrap-admin',
      archivedAt: expect.any(String),
    });
    expect(promote.statusCode).toBe(409);
    expect(predict.statusCode).toBe(409);
  });
});
