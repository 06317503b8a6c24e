import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shortCause } from '../src/edge/short-cause.util.ts';

describe('shortCause', () => {
  it('names a gRPC error by its code and details, without the stack', () => {
    const error = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
      stack: 'Error: 14 UNAVAILABLE\n    at callErrorFromStatus (call.js:31:19)\n'.repeat(20),
    });
    assert.equal(shortCause(error), 'UNAVAILABLE: No connection established');
  });

  it('keeps the first line of any other error and caps it at 200 characters', () => {
    assert.equal(shortCause(new Error('first line\nsecond line')), 'first line');
    const long = shortCause(new Error('x'.repeat(500)));
    assert.equal(long.length, 200);
    assert.ok(long.endsWith('…'));
    assert.equal(shortCause('plain'), 'plain');
  });
});
