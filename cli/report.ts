/** Plain-text reports: the run summary, the model list, and a lineage tree. */
import type { PipelineResult, StepRecord } from '../common/contracts';
import type { ModelLineage, ModelVersionSummary } from '../registry/types';

const MODELS = ['teacher', 'student', 'hardLabelStudent', 'tfidfLogReg', 'majority', 'champion'] as const;

/** The end-of-run report: rows through each step, features, metrics side by side, the version. */
export function runReport(result: PipelineResult, seconds: number): string {
  const byStep = new Map(result.steps.map((s) => [s.step, s]));
  const lines = ['', 'Rows through the pipeline'];
  for (const step of result.steps) {
    const s = step.summary as { rowsIn?: number; rowsOut?: number };
    if (s.rowsIn !== undefined)
      lines.push(`  ${pad(step.step, 16)} ${pad(s.rowsIn, 7, true)} → ${pad(s.rowsOut ?? '', 7, true)}`);
  }
  const split = byStep.get('standardize')?.summary as Record<string, number> | undefined;
  if (split)
    lines.push(`  split            train ${split.train} · validation ${split.validation} · test ${split.test}`);
  lines.push('', 'Features', ...featureLines(byStep.get('selectFeatures')));
  lines.push('', 'Teacher', ...teacherLines(byStep.get('loadTeacher')));
  lines.push('', 'Test-split metrics', ...metricLines(byStep.get('evaluate')));
  const gate = (byStep.get('evaluate')?.summary as { gate?: { passed: boolean; reason: string } }).gate;
  if (gate)
    lines.push('', `Gate: ${gate.passed ? 'PASSED' : 'FAILED'} (${gate.reason.replace(/^(passed|failed): /, '')})`);
  lines.push('', `Registered ${result.modelName} version ${result.version} in ${seconds.toFixed(1)} s`, '');
  return lines.join('\n');
}

function featureLines(step: StepRecord | undefined): string[] {
  const s = step?.summary as { tabularSelected?: string[]; vocabularySize?: number; topTerms?: string[] } | undefined;
  if (!s) return [];
  const tabular = s.tabularSelected?.length ? s.tabularSelected.join(', ') : '(none)';
  return [
    `  tabular: ${tabular}`,
    `  text: ${s.vocabularySize ?? 0} n-grams by χ², top: ${(s.topTerms ?? []).join(', ')}`,
  ];
}

function teacherLines(step: StepRecord | undefined): string[] {
  const s = step?.summary as
    | { teacher?: { name: string; version: string }; backend?: string; rowsEmbedded?: number; cacheHits?: number }
    | undefined;
  if (!s?.teacher) return [];
  const source = `  ${s.teacher.name} (${s.teacher.version}) on the ${s.backend} backend`;
  if (s.rowsEmbedded === undefined) return [source];
  return [source, `  ${s.rowsEmbedded} texts embedded, ${s.cacheHits} from the embedding cache`];
}

function metricLines(step: StepRecord | undefined): string[] {
  const figures = (step?.summary as { figures?: Record<string, Record<string, number | null>> } | undefined)?.figures;
  if (!figures) return [];
  const header =
    `  ${pad('model', 18)}${pad('accuracy', 10, true)}${pad('macro-F1', 10, true)}${pad('ROC-AUC', 10, true)}` +
    `${pad('log-loss', 10, true)}${pad('ECE', 10, true)}${pad('p50 ms', 9, true)}${pad('p99 ms', 9, true)}` +
    `${pad('size', 10, true)}`;
  const rows = MODELS.filter((m) => figures[m]).map((m) => {
    const f = figures[m]!;
    const quality = `${num(f.accuracy)}${num(f.macroF1)}${num(f.rocAuc)}${num(f.logLoss)}${num(f.ece)}`;
    const cost = `${num(f.latencyP50Ms, 3, 9)}${num(f.latencyP99Ms, 3, 9)}${pad(size(f.sizeBytes), 10, true)}`;
    return `  ${pad(m, 18)}${quality}${cost}`;
  });
  return [header, ...rows];
}

/** The registered versions, newest first. */
export function modelsTable(versions: readonly ModelVersionSummary[]): string {
  if (versions.length === 0) return 'No model versions registered yet.';
  const header =
    `${pad('model', 24)}${pad('version', 8, true)}  ${pad('created', 25)}` +
    `${pad('gate', 6)}${pad('student F1', 11, true)}`;
  const rows = versions.map((v) => {
    const f1 = v.metrics.studentMacroF1;
    return (
      `${pad(v.modelName, 24)}${pad(v.version, 8, true)}  ${pad(v.createdAt, 25)}` +
      `${pad(v.gatePassed ? 'pass' : 'fail', 6)}` +
      `${num(typeof f1 === 'number' ? f1 : null, 4, 11)}`
    );
  });
  return [header, ...rows].join('\n');
}

/** One version's lineage as a tree: run → dataset → steps with their artifacts. */
export function lineageTree(lineage: ModelLineage): string {
  const lines = [
    `${lineage.modelName}@${lineage.version}`,
    `├─ run ${lineage.run.id}`,
    `│  ├─ workflow id ${lineage.run.workflowId}`,
    `│  ├─ temporal run id ${lineage.run.temporalRunId}`,
    `│  ├─ triggered by ${lineage.run.triggeredBy}, code ${lineage.codeVersion}`,
    `│  └─ config sha256 ${lineage.configHash}`,
    `├─ dataset sha256 ${lineage.dataset.sha256}`,
    `│  └─ ${lineage.dataset.uri}`,
    `├─ teacher ${lineage.teacher.name} (${lineage.teacher.version}) sha256 ${lineage.teacher.sha256}`,
    `└─ steps`,
  ];
  lineage.steps.forEach((step, i) => {
    const last = i === lineage.steps.length - 1;
    lines.push(`   ${last ? '└─' : '├─'} ${step.step}  ${step.startedAt} → ${step.finishedAt}`);
    const indent = last ? '      ' : '   │  ';
    const params = JSON.stringify(step.params);
    if (params !== '{}') lines.push(`${indent}params ${params.length > 100 ? `${params.slice(0, 99)}…` : params}`);
    for (const a of step.inputs) lines.push(`${indent}← ${a.name} (${a.kind}) ${a.sha256.slice(0, 16)}…`);
    for (const a of step.outputs) lines.push(`${indent}→ ${a.name} (${a.kind}) ${a.sha256.slice(0, 16)}…`);
  });
  return lines.join('\n');
}

function size(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number') return '—';
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

function pad(value: unknown, width: number, right = false): string {
  const text = String(value);
  return right ? text.padStart(width) : text.padEnd(width);
}

function num(value: number | null | undefined, digits = 4, width = 10): string {
  return pad(value === null || value === undefined ? '—' : value.toFixed(digits), width, true);
}
