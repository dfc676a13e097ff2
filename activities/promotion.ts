/**
 * `promoteIfBetter` (CPU task queue): the auto-promotion step of a scheduled retraining. Moves an
 * alias to the new version when it passed its gate and beats the version the alias names.
 * Idempotent: a retried attempt finds the alias already moved and changes nothing.
 */
import { log } from '@temporalio/activity';

import { promoteIfBetter as promote, type PromotionDecision, type PromotionInput } from '../registry/aliases';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';

export type { PromotionDecision, PromotionInput } from '../registry/aliases';

/** Creates the promotion activity. */
export function createPromotionActivities(deps: ActivityDeps) {
  /** Promotes the version when it is better; returns the decision and its reason. */
  async function promoteIfBetter(input: PromotionInput): Promise<PromotionDecision> {
    return asStep(async () => {
      const decision = await promote(await deps.registry(), input);
      log.info('promotion decided', { model: input.modelName, version: input.version, promoted: decision.promoted });
      return decision;
    });
  }

  return { promoteIfBetter };
}
