import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InjectedFaultError,
  isInjectedFaultError,
  isLoadShedError,
  isRateLimitedError,
  isResilienceError,
  isThrottledError,
  LoadShedError,
  RateLimitedError,
  ThrottledError,
} from '../../src/index.ts';

describe('adaptive errors', () => {
  it('are branded, typed and stackless whether built by constructor or on the fast path', () => {
    const cases = [
      [new RateLimitedError(5, 'k'), RateLimitedError.fast(5, 'k'), isRateLimitedError, 'RateLimitedError'],
      [
        new LoadShedError('sheddable', 7),
        LoadShedError.fast('sheddable', 7),
        isLoadShedError,
        'LoadShedError',
      ],
      [new ThrottledError(0.5), ThrottledError.fast(0.5), isThrottledError, 'ThrottledError'],
    ] as const;
    for (const [built, fast, guard, name] of cases) {
      for (const error of [built, fast]) {
        assert.ok(guard(error));
        assert.ok(isResilienceError(error));
        assert.ok(error instanceof Error);
        assert.equal(error.name, name);
        assert.equal(error.stack, `${name}: ${error.message}`);
      }
      assert.equal(fast.message, built.message);
      assert.equal(fast.retryAfterMs, built.retryAfterMs);
      assert.equal(guard(new Error('x')), false);
    }
    assert.equal(RateLimitedError.fast(5, 'k').retryAfterMs, 5);
    assert.equal(LoadShedError.fast('critical', 7).priority, 'critical');
    assert.equal(ThrottledError.fast(0.25).probability, 0.25);
    const fault = new InjectedFaultError('abort');
    assert.ok(isInjectedFaultError(fault) && fault.kind === 'abort' && isResilienceError(fault));
  });
});
