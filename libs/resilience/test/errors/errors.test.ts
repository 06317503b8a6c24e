import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isCancellation,
  isResilienceError,
  isTaskCancelledError,
  isTimeoutError,
  TaskCancelledError,
  TimeoutError,
} from '../../src/index.ts';

describe('errors', () => {
  it('are recognised by brand, even as plain objects from another copy of the package', () => {
    assert.ok(isBrokenCircuitError(new BrokenCircuitError(100)));
    assert.ok(isBrokenCircuitError({ isBrokenCircuitError: true }));
    assert.ok(isBulkheadRejectedError(new BulkheadRejectedError('full')));
    assert.ok(isTimeoutError(new TimeoutError(5)));
    assert.ok(isTaskCancelledError(new TaskCancelledError('x')));
    assert.ok(isResilienceError(new TimeoutError(5)));
    assert.equal(isResilienceError(new Error('plain')), false);
    assert.equal(isBrokenCircuitError(null), false);
  });

  it('capture no stack frames and restore the global stack limit', () => {
    const before = Error.stackTraceLimit;
    const error = new BrokenCircuitError(250);
    assert.equal(Error.stackTraceLimit, before);
    assert.equal(error.stack?.includes('\n    at '), false);
    assert.equal(error.name, 'BrokenCircuitError');
    assert.equal(error.retryAfterMs, 250);
    assert.ok(error instanceof Error);
  });

  it('built on the fast-fail path are the same errors, with a one-line stack', () => {
    const open = BrokenCircuitError.fast(120, false);
    assert.ok(open instanceof BrokenCircuitError);
    assert.ok(open instanceof Error);
    assert.ok(isBrokenCircuitError(open) && isResilienceError(open));
    assert.equal(open.retryAfterMs, 120);
    assert.equal(open.isolated, false);
    assert.equal(open.message, 'Circuit is open');
    assert.equal(open.stack, 'BrokenCircuitError: Circuit is open');
    const full = BulkheadRejectedError.fast('full');
    assert.ok(isBulkheadRejectedError(full));
    assert.equal(full.reason, 'full');
    assert.equal(String(full), 'BulkheadRejectedError: Bulkhead is full');
  });

  it('treat caller cancellation and exceeded deadlines as cancellations, plain timeouts not', () => {
    assert.equal(isCancellation(new TaskCancelledError()), true);
    assert.equal(isCancellation(new TimeoutError(0, true)), true);
    assert.equal(isCancellation(new TimeoutError(10)), false);
    assert.equal(isCancellation(new DOMException('stop', 'AbortError')), true);
    assert.equal(isCancellation(new Error('boom')), false);
  });
});
