import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectSoon } from '../../src/errors/reject-soon.util.ts';

describe('rejectSoon', () => {
  it('rejects with the error after the caller attached its handler', async () => {
    const error = new Error('no');
    const order: string[] = [];
    const p = rejectSoon(error);
    order.push('handler attached');
    await assert.rejects(
      p.catch((e: unknown) => {
        order.push('rejected');
        throw e;
      }),
      (e) => e === error,
    );
    assert.deepEqual(order, ['handler attached', 'rejected']);
  });
});
