import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';

import { describeCliError, WorkflowCommandError } from '../../../cli/errors';
import { DataNotFoundError, InvalidConfigError } from '../../../common/errors';

describe('describeCliError', () => {
  it('prints a typed Distillery error as one line with its type', () => {
    expect(describeCliError(new InvalidConfigError('distillation.temperature', 'must be > 0'))).toBe(
      'error [InvalidConfig]: invalid configuration: distillation.temperature: must be > 0',
    );
    expect(describeCliError(new DataNotFoundError('/nope.csv', 'ENOENT'))).toBe(
      'error [DataNotFound]: data file /nope.csv cannot be read: ENOENT',
    );
  });

  it('reduces a failed run to the typed failure of the step that raised it', () => {
    const root = ApplicationFailure.create({
      message: 'class "c" has 1 row(s)',
      type: 'SplitError',
      nonRetryable: true,
    });
    const activity = new ActivityFailure(
      'activity failed',
      'standardize',
      '3',
      RetryState.NON_RETRYABLE_FAILURE,
      'w',
      root,
    );
    const run = new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);

    expect(describeCliError(run)).toBe(
      'error [SplitError]: class "c" has 1 row(s) (step standardize)\nthe run failed and nothing was registered',
    );
  });

  it('reports a failed batch prediction like a run, with what its failure means', () => {
    const root = ApplicationFailure.create({
      message: "invalid configuration: idColumn: the file has no column 'id'; columns: text",
      type: 'InvalidConfig',
      nonRetryable: true,
    });
    const activity = new ActivityFailure('failed', 'batchPredict', '1', RetryState.NON_RETRYABLE_FAILURE, 'w', root);
    const run = new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);

    expect(describeCliError(new WorkflowCommandError(run, 'nothing was scored'))).toBe(
      "error [InvalidConfig]: invalid configuration: idColumn: the file has no column 'id'; columns: text " +
        '(step batchPredict)\nnothing was scored',
    );
  });

  it('keeps the stack of an unexpected error for a bug report', () => {
    const bug = new TypeError('x is undefined');

    expect(describeCliError(bug)).toContain('TypeError: x is undefined');
    expect(describeCliError(bug)).toContain('errors.test.ts');
  });
});
