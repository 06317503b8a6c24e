import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../src/index.ts';

describe('waitFor', () => {
  it('returns the first truthy value of the condition', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 1 });
    assert.equal(value, 'after 3');
  });

  it('fails with the description and the last error when the condition never holds', async () => {
    await assert.rejects(
      waitFor(
        () => {
          throw new Error('not yet');
        },
        { timeoutMs: 30, intervalMs: 5, description: 'the moon' },
      ),
      /waiting for the moon: not yet/,
    );
  });
});
