/**
 * A registered model version as the teacher of `loadTeacher` (continual retraining): its stored
 * student scores every record of this run, and the log of its calibrated probabilities, mapped to
 * this run's classes by name, are the teacher logits. Nothing is fitted.
 */
import { ROW_ID_COLUMN } from '../common/constants';
import type { PipelineConfig } from '../common/config';
import { InvalidConfigError } from '../common/errors';
import type { Frame } from '../core/data/frame';
import { loadRegisteredTeacher, recordsOfStandardized } from '../core/ml/teacher/registered';
import type { TeacherIdentity } from '../core/ml/teacher/types';
import type { ActivityDeps } from './deps';
import type { PreparedTransform } from './prepared';

/** What a registered teacher stores as the step's teacherHead artifact: who scored the rows. */
export interface StoredRegisteredTeacher {
  readonly format: 'distillery-registered-teacher/1';
  readonly teacher: TeacherIdentity;
  readonly classes: readonly string[];
}

/** Probability given to a class of this run that the registered teacher never predicts. */
const UNSEEN_CLASS_PROBABILITY = 1e-6;

/** The registered teacher's logits for every row of `frame`, what to store, and what to report. */
export async function registeredTeacher(
  deps: ActivityDeps,
  frame: Frame,
  transform: PreparedTransform,
  config: PipelineConfig,
) {
  const teacher = await loadRegisteredTeacher(await deps.registry(), deps.store, config.teacher.model!);
  const shared = transform.labels.filter((label) => teacher.classes.includes(label));
  if (shared.length === 0) {
    const message = `${config.teacher.model} predicts none of this run's classes (${transform.labels.join(', ')})`;
    throw new InvalidConfigError('teacher.model', message);
  }
  const columns = frame.columns.filter((c) => c !== ROW_ID_COLUMN);
  const records = recordsOfStandardized(frame, transform.fitted, columns);
  const logits = teacher.predict(records).map((p) => classLogits(p, teacher.classes, transform.labels));
  const stored: StoredRegisteredTeacher = {
    format: 'distillery-registered-teacher/1',
    teacher: teacher.identity,
    classes: teacher.classes,
  };
  return { logits, stored, report: { rowsScored: records.length, sharedClasses: shared.length } };
}

/** Log-probabilities over `classes` from probabilities over `teacherClasses`, renormalised. */
export function classLogits(
  probabilities: ArrayLike<number>,
  teacherClasses: readonly string[],
  classes: readonly string[],
): Float32Array {
  const mapped = classes.map((c) => {
    const k = teacherClasses.indexOf(c);
    return Math.max(k < 0 ? 0 : probabilities[k]!, UNSEEN_CLASS_PROBABILITY);
  });
  const total = mapped.reduce((a, b) => a + b, 0);
  return Float32Array.from(mapped, (p) => Math.log(p / total));
}
