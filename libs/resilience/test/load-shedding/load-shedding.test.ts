import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BasePolicy, type Chain } from '../../src/common/base.policy.ts';
import type { ExecutionContext, Priority } from '../../src/common/execution.context.ts';
import { isLoadShedError } from '../../src/errors/load-shed.error.ts';
import { TimeoutError } from '../../src/errors/timeout.error.ts';
import { aimdLimit } from '../../src/load-shedding/aimd.limit.ts';
import type { ConcurrencyLimit } from '../../src/load-shedding/limit.types.ts';
import {
  type LimitChangeEvent,
  loadShedding,
  type ShedEvent,
  ShedPermit,
} from '../../src/load-shedding/load-shedding.policy.ts';
import { pipeline } from '../../src/pipeline/pipeline.policy.ts';
import { FakeClock, flushMicrotasks } from '../../src/testing/index.ts';

/** A fixed limit, for tests of admission alone. */
const fixed = (limit: number): ConcurrencyLimit & { samples: number } => ({
  limit,
  samples: 0,
  update() {
    this.samples++;
  },
});

describe('loadShedding', () => {
  it('admits each priority up to its share of the limit and sheds lower priorities first', async () => {
    const clock = new FakeClock();
    const shedder = loadShedding({ limit: fixed(10), clock });
    const gate = Promise.withResolvers<void>();
    const hold = (priority: Priority) => shedder.execute(() => gate.promise, { priority });
    const running: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) running.push(hold('sheddable'));
    assert.equal(shedder.inflight, 5);
    await assert.rejects(hold('sheddable'), (e) => isLoadShedError(e) && e.priority === 'sheddable');
    for (let i = 0; i < 3; i++) running.push(hold('sheddable-plus'));
    await assert.rejects(hold('sheddable-plus'), isLoadShedError, 'share 7.5 of 10: the 9th call is shed');
    running.push(hold('critical'));
    await assert.rejects(hold('critical'), isLoadShedError, 'critical stops at 9');
    running.push(hold('critical-plus'));
    await assert.rejects(hold('critical-plus'), isLoadShedError, 'nobody above the limit');
    assert.equal(shedder.inflight, 10);
    gate.resolve();
    await Promise.all(running);
    assert.equal(shedder.inflight, 0);
    assert.equal(await hold('sheddable'), undefined);
  });

  it('rejects with the recent latency as retry-after hint, emits onShed and reports shedding for a while', async () => {
    const clock = new FakeClock();
    const shedder = loadShedding({ limit: fixed(1), clock, sheddingHoldMs: 500 });
    const shed: ShedEvent[] = [];
    shedder.onShed((e) => shed.push(e));
    const slow = shedder.execute(async () => clock.tick(40));
    await clock.tick(40);
    await slow;
    assert.equal(shedder.shedding, false);
    const gate = Promise.withResolvers<void>();
    const held = shedder.execute(() => gate.promise, { priority: 'critical-plus' });
    let ran = false;
    await assert.rejects(
      shedder.execute(() => {
        ran = true;
      }),
      (e) =>
        isLoadShedError(e) &&
        e.retryAfterMs === 40 &&
        e.stack === 'LoadShedError: Load shed: concurrency limit reached',
    );
    assert.equal(ran, false);
    assert.deepEqual(shed, [{ priority: 'critical', inflight: 1, limit: 1, retryAfterMs: 40 }]);
    assert.equal(shedder.shedding, true);
    clock.advance(499);
    assert.equal(shedder.shedding, true);
    clock.advance(1);
    assert.equal(shedder.shedding, false);
    gate.resolve();
    await held;
  });

  it('feeds latency to the limit and emits onLimitChange when the whole limit moves', async () => {
    const clock = new FakeClock();
    const shedder = loadShedding({ limit: aimdLimit({ initialLimit: 2, minLimit: 1, maxLimit: 4 }), clock });
    const changes: LimitChangeEvent[] = [];
    shedder.onLimitChange((e) => changes.push(e));
    assert.equal(shedder.limit, 2);
    await shedder.execute(() => 'ok');
    assert.equal(shedder.limit, 3);
    await assert.rejects(
      shedder.execute(() => Promise.reject(new TimeoutError(100))),
      (e) => e instanceof TimeoutError,
    );
    assert.equal(shedder.limit, 2, 'a timeout is a drop: floor(3 × 0.9)');
    assert.deepEqual(changes, [
      { from: 2, to: 3 },
      { from: 3, to: 2 },
    ]);
  });

  it('grows the default Gradient2 limit while the limit is used and latency stays flat', async () => {
    const clock = new FakeClock();
    const shedder = loadShedding({ clock });
    const changes: LimitChangeEvent[] = [];
    shedder.onLimitChange((e) => changes.push(e));
    assert.equal(shedder.limit, 20);
    for (let round = 0; round < 10; round++) {
      const gates = Array.from({ length: shedder.limit }, () => Promise.withResolvers<void>());
      const runs = gates.map((g) => shedder.execute(() => g.promise, { priority: 'critical-plus' }));
      await clock.tick(10);
      for (const g of gates) g.resolve();
      await Promise.all(runs);
    }
    assert.ok(shedder.limit > 20, `limit ${shedder.limit}`);
    assert.equal(changes[0]!.from, 20);
    assert.equal(changes.at(-1)!.to, shedder.limit);
  });

  it('does not sample ordinary errors or calls the caller cancelled', async () => {
    const clock = new FakeClock();
    const limit = fixed(5);
    const shedder = loadShedding({ limit, clock });
    await assert.rejects(shedder.execute(() => Promise.reject(new Error('bad request'))));
    const caller = new AbortController();
    const run = shedder.execute(
      (ctx) =>
        new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(new TimeoutError(1, true))),
        ),
      { signal: caller.signal },
    );
    caller.abort();
    await assert.rejects(run);
    assert.equal(limit.samples, 0);
    await shedder.execute(() => 1);
    assert.equal(limit.samples, 1);
    assert.equal(shedder.inflight, 0);
  });

  it('keeps the slot of work abandoned by a timeout inside until it really ends', async () => {
    const clock = new FakeClock();
    const shedder = loadShedding({ limit: fixed(1), clock });
    const work = Promise.withResolvers<void>();
    // Stands in for a timeout policy: gives up at once but records the still-running work.
    const abandon = new (class extends BasePolicy {
      intercept(context: ExecutionContext, next: Chain): Promise<unknown> {
        context.linger(next.run(context));
        return Promise.reject(new TimeoutError(10));
      }
    })(clock);
    await assert.rejects(
      pipeline(shedder, abandon).execute(() => work.promise),
      (e) => e instanceof TimeoutError,
    );
    assert.equal(shedder.inflight, 1);
    await assert.rejects(
      shedder.execute(() => 1, { priority: 'critical-plus' }),
      isLoadShedError,
    );
    work.resolve();
    await flushMicrotasks();
    assert.equal(shedder.inflight, 0);
  });

  it('admits outside a pipeline with permits that sample their latency and free their slot once', () => {
    const clock = new FakeClock();
    const shedder = loadShedding({ clock, limit: aimdLimit({ initialLimit: 2, minLimit: 1, maxLimit: 4 }) });
    const shed: ShedEvent[] = [];
    shedder.onShed((e) => shed.push(e));
    const a = shedder.acquire('critical-plus');
    const b = shedder.acquire('critical-plus');
    assert.ok(a instanceof ShedPermit && b instanceof ShedPermit);
    const refused = shedder.acquire('critical-plus');
    assert.ok(isLoadShedError(refused) && refused.priority === 'critical-plus');
    assert.equal(shed.length, 1);
    assert.equal(shedder.inflight, 2);
    clock.advance(30);
    a.release();
    a.release();
    assert.equal(shedder.inflight, 1, 'a second release does nothing');
    assert.equal(shedder.limit, 3, 'a used success grows the AIMD limit');
    b.release('drop');
    assert.equal(shedder.limit, 2, 'a drop backs it off');
    const c = shedder.acquire();
    assert.ok(c instanceof ShedPermit);
    c.release('ignore');
    assert.equal(shedder.limit, 2, 'an ignored outcome is not sampled');
    assert.equal(shedder.inflight, 0);
  });

  it('validates shares', () => {
    assert.throws(() => loadShedding({ shares: { sheddable: 0 } }), RangeError);
    assert.throws(() => loadShedding({ shares: { critical: 1.5 } }), RangeError);
  });

  it('never lets in-flight calls of a priority exceed its share of the limit (property)', async () => {
    const priorities: Priority[] = ['critical-plus', 'critical', 'sheddable-plus', 'sheddable'];
    const shares = { 'critical-plus': 1, critical: 0.9, 'sheddable-plus': 0.75, sheddable: 0.5 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...priorities), fc.nat(20)), { maxLength: 150 }),
        async (steps) => {
          const clock = new FakeClock();
          const shedder = loadShedding({
            limit: aimdLimit({ initialLimit: 8, minLimit: 2, maxLimit: 16 }),
            clock,
          });
          const open: Array<() => void> = [];
          for (const [start, priority, pick] of steps) {
            if (start || open.length === 0) {
              const before = shedder.inflight;
              const limit = shedder.limit;
              if (limit !== Math.max(1, Math.floor(shedder.algorithm.limit))) return false;
              const gate = Promise.withResolvers<void>();
              const run = shedder.execute(() => gate.promise, { priority });
              run.catch(() => {});
              const admitted = shedder.inflight === before + 1;
              if (admitted) open.push(gate.resolve);
              if (admitted !== before < shares[priority] * limit) return false;
              if (shedder.inflight > limit) return false;
            } else {
              open.splice(pick % open.length, 1)[0]!();
              await flushMicrotasks();
            }
          }
          for (const done of open) done();
          await flushMicrotasks();
          return shedder.inflight === 0;
        },
      ),
      { numRuns: 50 },
    );
  });
});
