import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BasePolicy,
  type Chain,
  deadlineAfter,
  deadlineFromEpoch,
  type ExecutionContext,
  isTaskCancelledError,
  isTimeoutError,
  pipeline,
} from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

class Tag extends BasePolicy {
  readonly name: string;
  readonly log: string[];
  constructor(name: string, log: string[], clock = new FakeClock()) {
    super(clock);
    this.name = name;
    this.log = log;
  }
  async intercept(ctx: ExecutionContext, next: Chain): Promise<unknown> {
    this.log.push(`>${this.name}`);
    try {
      return await next.run(ctx);
    } finally {
      this.log.push(`<${this.name}`);
    }
  }
}

describe('pipeline', () => {
  it('runs policies outermost first around the operation', async () => {
    const log: string[] = [];
    const p = pipeline(new Tag('a', log), new Tag('b', log));
    const result = await p.execute(() => {
      log.push('op');
      return 42;
    });
    assert.equal(result, 42);
    assert.deepEqual(log, ['>a', '>b', 'op', '<b', '<a']);
  });

  it('flattens nested pipelines and can itself be nested in a chain', async () => {
    const log: string[] = [];
    const inner = pipeline(new Tag('b', log), new Tag('c', log));
    const outer = pipeline(new Tag('a', log), inner);
    assert.equal(outer.policies.length, 3);
    await outer.execute(async () => log.push('op'));
    assert.deepEqual(log, ['>a', '>b', '>c', 'op', '<c', '<b', '<a']);
    log.length = 0;
    await new Tag('x', log).intercept(
      // A pipeline used as a plain policy inside another chain.
      new (class {
        deadline = Number.POSITIVE_INFINITY;
      })() as unknown as ExecutionContext,
      { run: (ctx) => inner.intercept(ctx, { run: async () => log.push('leaf') }) } satisfies Chain,
    );
    assert.deepEqual(log, ['>x', '>b', '>c', 'leaf', '<c', '<b', '<x']);
  });

  it('passes the same context, with deadline and key, to the operation', async () => {
    const clock = new FakeClock(500);
    const p = pipeline(new Tag('a', [], clock));
    const seen = await p.execute((ctx) => [ctx.remaining(), ctx.key], {
      deadline: deadlineAfter(100, clock),
      key: 'k',
    });
    assert.deepEqual(seen, [100, 'k']);
  });

  it('fails at once, without running anything, when the deadline already passed or the caller aborted', async () => {
    const clock = new FakeClock(500);
    const log: string[] = [];
    const p = pipeline(new Tag('a', log, clock));
    await assert.rejects(
      p.execute(() => 1, { deadline: 500 }),
      (e) => isTimeoutError(e) && e.deadline,
    );
    const caller = new AbortController();
    caller.abort();
    await assert.rejects(
      p.execute(() => 1, { signal: caller.signal }),
      (e) => isTaskCancelledError(e),
    );
    assert.deepEqual(log, []);
  });

  it('detaches from the caller signal once the execution settles', async () => {
    const caller = new AbortController();
    let signal: AbortSignal | undefined;
    await pipeline(new Tag('a', [])).execute(
      (ctx) => {
        signal = ctx.signal;
      },
      { signal: caller.signal },
    );
    caller.abort();
    assert.equal(signal?.aborted, false);
  });

  it('reads a wall-clock deadline from an incoming request onto the monotonic clock', () => {
    const clock = new FakeClock(5_000);
    const deadline = deadlineFromEpoch(Date.now() + 250, clock);
    assert.ok(deadline > 5_240 && deadline <= 5_250, `deadline ${deadline}`);
    assert.equal(deadlineFromEpoch(Number.POSITIVE_INFINITY, clock), Number.POSITIVE_INFINITY);
  });

  it('allows an empty pipeline', async () => {
    assert.equal(await pipeline().execute(async () => 'x'), 'x');
  });
});
