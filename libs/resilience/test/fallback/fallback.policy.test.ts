import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  circuitBreaker,
  consecutiveBreaker,
  fallback,
  pipeline,
  TaskCancelledError,
} from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

describe('fallback', () => {
  it('answers a failed call with the fallback value and emits onFallback', async () => {
    const policy = fallback((error) => `cached (${(error as Error).message})`, { clock: new FakeClock() });
    const seen: unknown[] = [];
    policy.onFallback((e) => seen.push((e.error as Error).message));
    const result = await policy.execute(async () => {
      throw new Error('down');
    });
    assert.equal(result, 'cached (down)');
    assert.deepEqual(seen, ['down']);
  });

  it('passes successes through untouched and supports async fallbacks', async () => {
    const policy = fallback(async () => 'fb', { clock: new FakeClock() });
    assert.equal(await policy.execute(async () => 'real'), 'real');
    assert.equal(
      await policy.execute(async () => {
        throw new Error('x');
      }),
      'fb',
    );
  });

  it('does not answer cancellations or unhandled errors, and surfaces a failing fallback', async () => {
    const policy = fallback(() => 'fb', {
      clock: new FakeClock(),
      handle: (e) => !(e instanceof TypeError),
    });
    await assert.rejects(
      policy.execute(async () => {
        throw new TaskCancelledError();
      }),
    );
    await assert.rejects(
      policy.execute(async () => {
        throw new TypeError('bug');
      }),
      TypeError,
    );
    const broken = fallback(
      () => {
        throw new Error('fallback failed too');
      },
      { clock: new FakeClock() },
    );
    await assert.rejects(
      broken.execute(async () => {
        throw new Error('x');
      }),
      /fallback failed too/,
    );
  });

  it('outside a breaker, still lets the breaker count the failure', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(2), clock });
    const p = pipeline(
      fallback(() => 'fb', { clock }),
      breaker,
    );
    const down = async () => {
      throw new Error('down');
    };
    assert.equal(await p.execute(down), 'fb');
    assert.equal(await p.execute(down), 'fb');
    assert.equal(breaker.state, 'open');
    assert.equal(await p.execute(async () => 'never runs'), 'fb');
  });
});
