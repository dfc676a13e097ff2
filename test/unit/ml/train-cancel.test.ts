import * as tf from '@tensorflow/tfjs';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { beat } from '../../../activities/heartbeat';
import { initBackend } from '../../../core/ml/backend';
import { denseRow } from '../../../core/ml/mlp';
import { trainMlp, type TrainingSet } from '../../../core/ml/train-mlp';

/** 2 000 rows of 50 features: 32 batches per epoch, many epochs — far longer than the test waits. */
function largeSet(): TrainingSet {
  const labels = Array.from({ length: 2000 }, (_, i) => i % 3);
  return { labels, rows: labels.map((y, i) => denseRow(Array.from({ length: 50 }, (_, j) => ((i * j + y) % 7) / 7))) };
}

describe('training inside an activity', () => {
  beforeAll(() => initBackend('cpu'));

  it('stops at the next batch once the activity is cancelled, without leaking tensors', async () => {
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
    const set = largeSet();
    const options = {
      shape: { inputs: 50, hidden: 16, classes: 3 },
      epochs: 500,
      batchSize: 64,
      learningRate: 0.01,
      seed: 1,
      distillation: null,
    };
    const before = tf.memory().numTensors;
    let batches = 0;
    const training = env.run(() =>
      trainMlp(set, set, options, {
        onBatch: (epoch, batch, total) => {
          batches++;
          if (batches === 3) {
            env.cancel();
          }
          beat({ phase: 'training', done: epoch - 1 + batch / total, total: options.epochs });
        },
      }),
    );

    await expect(training).rejects.toBeInstanceOf(CancelledFailure);
    // The heartbeat of the batch during which the cancellation arrived ends the training loop.
    expect(batches).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });
});
