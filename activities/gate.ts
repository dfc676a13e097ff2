/**
 * The promotion gate. Two checks, both recorded with a sentence saying how they came out:
 *   1. teacher: the candidate's macro-F1 reaches `minMacroF1Ratio` × the teacher's;
 *   2. champion: the candidate's macro-F1 is at most `maxChampionMacroF1Drop` below the version
 *      holding the production alias, scored on the same test rows (skipped, and said so, when
 *      no version holds the alias or its bundle is not comparable).
 */
import type { PipelineConfig } from '../common/config';
import type { ClassificationMetrics } from '../core/ml/metrics';
import type { ChampionInfo } from './champion';

/** One check of the gate and how it came out. */
export interface GateCheck {
  readonly name: 'teacher' | 'champion';
  readonly passed: boolean;
  readonly detail: string;
}

/** The promotion gate's decision and why. */
export interface GateDecision {
  readonly passed: boolean;
  /** 'passed: …' or 'failed: …' followed by every check's detail. */
  readonly reason: string;
  readonly checks: readonly GateCheck[];
  readonly studentMacroF1: number;
  readonly teacherMacroF1: number;
  readonly minMacroF1Ratio: number;
  /** The production version, when there was one, and its macro-F1 on the same rows. */
  readonly champion: ChampionInfo & { readonly macroF1?: number };
}

/** What the gate looks at. */
export interface GateInput {
  readonly student: ClassificationMetrics;
  readonly teacher: ClassificationMetrics;
  readonly champion: ChampionInfo;
  /** The champion's metrics on the candidate's test rows, when it was compared. */
  readonly championMetrics?: ClassificationMetrics;
}

/** Applies both checks. */
export function decideGate(input: GateInput, config: PipelineConfig['gate']): GateDecision {
  const checks = [teacherCheck(input, config.minMacroF1Ratio), championCheck(input, config.maxChampionMacroF1Drop)];
  const passed = checks.every((c) => c.passed);
  const reason = `${passed ? 'passed' : 'failed'}: ${checks.map((c) => c.detail).join('; ')}`;
  const championF1 = input.championMetrics ? { macroF1: input.championMetrics.macroF1 } : {};
  return {
    passed,
    reason,
    checks,
    studentMacroF1: input.student.macroF1,
    teacherMacroF1: input.teacher.macroF1,
    minMacroF1Ratio: config.minMacroF1Ratio,
    champion: { ...input.champion, ...championF1 },
  };
}

function teacherCheck({ student, teacher }: GateInput, ratio: number): GateCheck {
  const passed = student.macroF1 >= ratio * teacher.macroF1;
  const relation = passed ? '≥' : '<';
  const detail = `student macro-F1 ${f4(student.macroF1)} ${relation} ${ratio} × teacher ${f4(teacher.macroF1)}`;
  return { name: 'teacher', passed, detail };
}

function championCheck({ student, champion, championMetrics }: GateInput, maxDrop: number): GateCheck {
  if (champion.status === 'none')
    return { name: 'champion', passed: true, detail: 'no production version to compare with' };
  if (champion.status === 'incompatible' || !championMetrics) {
    const why = champion.status === 'incompatible' ? champion.reason : 'it was not scored';
    return { name: 'champion', passed: true, detail: `production version ${champion.version} not compared: ${why}` };
  }
  const passed = student.macroF1 >= championMetrics.macroF1 - maxDrop;
  const relation = passed ? '≥' : '<';
  const detail =
    `student macro-F1 ${f4(student.macroF1)} ${relation} production version ${champion.version}'s ` +
    `${f4(championMetrics.macroF1)} − ${maxDrop} on the same test rows`;
  return { name: 'champion', passed, detail };
}

function f4(value: number): string {
  return value.toFixed(4);
}
