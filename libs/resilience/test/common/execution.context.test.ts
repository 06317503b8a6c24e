import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecutionContext, TimeoutError } from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

const op = () => 1;

describe('ExecutionContext', () => {
  it('has no deadline, attempt 0 and critical priority by default', () => {
    const ctx = new ExecutionContext(op, new FakeClock());
    assert.equal(ctx.deadline, Number.POSITIVE_INFINITY);
    assert.equal(ctx.remaining(), Number.POSITIVE_INFINITY);
    assert.equal(ctx.attempt, 0);
    assert.equal(ctx.priority, 'critical');
    assert.equal(ctx.idempotent, true);
    assert.equal(ctx.aborted, false);
  });

  it('reports the remaining time to its deadline, never below zero', () => {
    const clock = new FakeClock(1000);
    const ctx = new ExecutionContext(op, clock, { deadline: 1250, key: 'tenant-a', priority: 'sheddable' });
    assert.equal(ctx.remaining(), 250);
    clock.advance(300);
    assert.equal(ctx.remaining(), 0);
    assert.equal(ctx.key, 'tenant-a');
    assert.equal(ctx.priority, 'sheddable');
  });

  it('forwards the caller abort and its reason to the lazily created signal', () => {
    const caller = new AbortController();
    const ctx = new ExecutionContext(op, new FakeClock(), { signal: caller.signal });
    const signal = ctx.signal;
    assert.equal(signal.aborted, false);
    caller.abort('bye');
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, 'bye');
    assert.equal(ctx.aborted, true);
    assert.equal(ctx.callerAborted, true);
    assert.equal(ctx.abortReason, 'bye');
  });

  it('hands out an already aborted signal when the caller aborted first', () => {
    const caller = new AbortController();
    caller.abort('early');
    const ctx = new ExecutionContext(op, new FakeClock(), { signal: caller.signal });
    assert.equal(ctx.signal.aborted, true);
    assert.equal(ctx.signal.reason, 'early');
  });

  it('removes its listener from the caller signal on release', () => {
    const caller = new AbortController();
    const ctx = new ExecutionContext(op, new FakeClock(), { signal: caller.signal });
    const signal = ctx.signal;
    ctx.release();
    caller.abort('late');
    assert.equal(signal.aborted, false, 'a released context no longer follows the caller');
  });

  it('cancel() aborts the current signal, restore() gives the next attempt a fresh one', () => {
    const ctx = new ExecutionContext(op, new FakeClock());
    const first = ctx.signal;
    const reason = new TimeoutError(10);
    const token = ctx.cancel(reason);
    assert.equal(first.aborted, true);
    assert.equal(first.reason, reason);
    assert.equal(ctx.aborted, true);
    assert.equal(ctx.signal.aborted, true, 'signals read inside the cancelled scope start aborted');
    ctx.restore(token);
    assert.equal(ctx.aborted, false);
    const second = ctx.signal;
    assert.notEqual(second, first);
    assert.equal(second.aborted, false);
  });

  it('keeps an outer cancellation when an inner one is restored', () => {
    const ctx = new ExecutionContext(op, new FakeClock());
    ctx.cancel('outer');
    const token = ctx.cancel('inner');
    ctx.restore(token);
    assert.equal(ctx.aborted, true);
    assert.equal(ctx.abortReason, 'outer');
  });

  it('forks children that follow the parent abort but can be cancelled alone', () => {
    const caller = new AbortController();
    const parent = new ExecutionContext(op, new FakeClock(), { signal: caller.signal, deadline: 50 });
    const a = parent.fork();
    const b = parent.fork();
    assert.equal(a.deadline, 50);
    a.cancel('loser');
    assert.equal(a.signal.aborted, true);
    assert.equal(b.signal.aborted, false);
    caller.abort('all');
    assert.equal(b.signal.aborted, true);
    assert.equal(b.callerAborted, true);
    b.release();
    parent.release();
  });

  it('collects lingering work and hands it over once', async () => {
    const ctx = new ExecutionContext(op, new FakeClock());
    assert.equal(ctx.takeLingering(), undefined);
    const work = Promise.resolve(1);
    ctx.linger(work);
    assert.deepEqual(ctx.takeLingering(), [work]);
    assert.equal(ctx.takeLingering(), undefined);
  });

  it('invoke() turns synchronous results and throws into promises', async () => {
    const clock = new FakeClock();
    assert.equal(await new ExecutionContext(() => 5, clock).invoke(), 5);
    const boom = new ExecutionContext(() => {
      throw new Error('sync');
    }, clock);
    await assert.rejects(boom.invoke(), /sync/);
  });
});
