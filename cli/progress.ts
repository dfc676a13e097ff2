/**
 * Follows a running pipeline: polls the workflow's progress query and the heartbeat details of
 * its running activity, and draws one live line (step, rows, epoch and loss, elapsed time).
 * Without a terminal it prints a line whenever the step changes.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import cliProgress from 'cli-progress';

import { PIPELINE_STEPS, PROGRESS_QUERY } from '../common/constants';
import type { PipelineProgress, TrainingHeartbeat } from '../common/contracts';

const POLL_MS = 500;

/** Shows progress until `done` settles, then clears the live line. */
export async function followProgress<T>(handle: WorkflowHandle, done: Promise<T>, out = process.stderr): Promise<T> {
  const started = Date.now();
  const bar = out.isTTY
    ? new cliProgress.SingleBar(
        { format: ' {step} [{bar}] {value}/{total} steps | {detail} | {elapsed}', hideCursor: true, stream: out },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(PIPELINE_STEPS.length, 0, { step: 'starting', detail: '', elapsed: '0s' });
  let lastLine = '';
  let finished = false;
  const settled = done.finally(() => (finished = true));
  while (!finished) {
    const line = await snapshot(handle).catch(() => undefined);
    if (finished) break;
    if (line) {
      const elapsed = `${((Date.now() - started) / 1000).toFixed(0)}s`;
      bar?.update(line.completed, { step: line.step, detail: line.detail, elapsed });
      // Without a terminal: a line whenever the step, phase or epoch changes (not on every row count).
      const key = `${line.step} ${line.detail.replace(/\d+\/\d+ rows|loss \S+/g, '')}`;
      if (!bar && key !== lastLine) out.write(`[${elapsed}] ${line.step} ${line.detail}\n`);
      lastLine = key;
    }
    await Promise.race([settled.catch(() => undefined), sleep(POLL_MS)]);
  }
  bar?.update(PIPELINE_STEPS.length, {
    step: 'done',
    detail: '',
    elapsed: `${((Date.now() - started) / 1000).toFixed(0)}s`,
  });
  bar?.stop();
  return done;
}

async function snapshot(handle: WorkflowHandle): Promise<{ step: string; completed: number; detail: string }> {
  const progress = await handle.query<PipelineProgress>(PROGRESS_QUERY);
  const description = await handle.describe();
  const pending = description.raw.pendingActivities?.[0];
  const payload = pending?.heartbeatDetails?.payloads?.[0];
  const beat = payload ? defaultPayloadConverter.fromPayload<TrainingHeartbeat>(payload) : undefined;
  return { step: String(progress.currentStep), completed: progress.completed.length, detail: describeBeat(beat) };
}

/** One human line from a heartbeat: phase, rows or epochs done, loss. */
export function describeBeat(beat: TrainingHeartbeat | undefined): string {
  if (!beat) return '';
  const parts = [beat.phase];
  if (beat.epoch !== undefined) parts.push(`epoch ${beat.epoch}/${beat.total}`);
  else parts.push(`${Math.round(beat.done)}/${beat.total} rows`);
  if (beat.loss !== undefined) parts.push(`loss ${beat.loss.toFixed(4)}`);
  return parts.join(' · ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
