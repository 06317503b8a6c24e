import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type BreakEvent,
  circuitBreaker,
  consecutiveBreaker,
  isBrokenCircuitError,
  type StateChangeEvent,
  TaskCancelledError,
  windowBreaker,
} from '../../src/index.ts';
import { FakeClock } from '../../src/testing/index.ts';

const ok = async () => 'ok';
const boom = async () => {
  throw new Error('boom');
};
const deferred = () => {
  let resolve!: (v: string) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('circuit breaker (consecutive)', () => {
  it('opens after N consecutive failures and rejects at once with retryAfterMs', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(3), openMs: 1000, clock });
    const changes: StateChangeEvent[] = [];
    breaker.onStateChange((e) => changes.push(e));
    await assert.rejects(breaker.execute(boom));
    await assert.rejects(breaker.execute(boom));
    assert.equal(await breaker.execute(ok), 'ok', 'a success resets the count');
    for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(boom), /boom/);
    assert.equal(breaker.state, 'open');
    clock.advance(400);
    let called = false;
    await assert.rejects(
      breaker.execute(async () => {
        called = true;
      }),
      (e) => isBrokenCircuitError(e) && e.retryAfterMs === 600 && !e.isolated,
    );
    assert.equal(called, false);
    assert.deepEqual(changes, [{ from: 'closed', to: 'open' }]);
  });

  it('moves to half-open after openMs on a state read, and closes after a successful probe', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), openMs: 1000, clock });
    const changes: string[] = [];
    breaker.onStateChange((e) => changes.push(`${e.from}>${e.to}`));
    await assert.rejects(breaker.execute(boom));
    clock.advance(1000);
    assert.equal(breaker.state, 'half-open');
    assert.equal(await breaker.execute(ok), 'ok');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(changes, ['closed>open', 'open>half-open', 'half-open>closed']);
  });

  it('re-opens when a half-open probe fails', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), openMs: 1000, clock });
    const breaks: BreakEvent[] = [];
    breaker.onBreak((e) => breaks.push(e));
    await assert.rejects(breaker.execute(boom));
    clock.advance(1000);
    await assert.rejects(breaker.execute(boom), /boom/);
    assert.equal(breaker.state, 'open');
    assert.deepEqual(
      breaks.map((b) => b.reason),
      ['failures', 'half-open-failure'],
    );
  });

  it('admits only halfOpenProbes concurrent probes and rejects the rest at once (no queueing)', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), openMs: 100, halfOpenProbes: 2, clock });
    await assert.rejects(breaker.execute(boom));
    clock.advance(100);
    const a = deferred();
    const b = deferred();
    const pa = breaker.execute(() => a.promise);
    const pb = breaker.execute(() => b.promise);
    await assert.rejects(breaker.execute(ok), (e) => isBrokenCircuitError(e));
    a.resolve('a');
    assert.equal(await pa, 'a');
    assert.equal(breaker.state, 'half-open', 'one of two probes succeeded so far');
    await assert.rejects(
      breaker.execute(ok),
      (e) => isBrokenCircuitError(e),
      'probes are counted when placed',
    );
    b.resolve('b');
    assert.equal(await pb, 'b');
    assert.equal(breaker.state, 'closed');
  });

  it('re-opens a half-open state whose probe hangs past halfOpenMaxWaitMs, ignoring its late outcome', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({
      breaker: consecutiveBreaker(1),
      openMs: 100,
      halfOpenMaxWaitMs: 500,
      clock,
    });
    await assert.rejects(breaker.execute(boom));
    clock.advance(100);
    const hung = deferred();
    const probe = breaker.execute(() => hung.promise);
    clock.advance(499);
    await assert.rejects(breaker.execute(ok), (e) => isBrokenCircuitError(e));
    clock.advance(1);
    await assert.rejects(breaker.execute(ok), (e) => isBrokenCircuitError(e));
    assert.equal(breaker.state, 'open');
    hung.resolve('late');
    assert.equal(await probe, 'late');
    assert.equal(breaker.state, 'open', 'a stale success does not close the new open period');
    clock.advance(100);
    assert.equal(await breaker.execute(ok), 'ok');
    assert.equal(breaker.state, 'closed');
  });

  it('ignores outcomes of calls admitted before a transition (overhanging results)', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(2), openMs: 1000, clock });
    const slow = deferred();
    const overhanging = breaker.execute(() => slow.promise);
    await assert.rejects(breaker.execute(boom));
    await assert.rejects(breaker.execute(boom));
    assert.equal(breaker.state, 'open');
    clock.advance(1000);
    assert.equal(breaker.state, 'half-open');
    slow.reject(new Error('late failure'));
    await assert.rejects(overhanging);
    assert.equal(breaker.state, 'half-open', 'the stale failure neither re-opened nor used a probe');
    assert.equal(await breaker.execute(ok), 'ok');
    assert.equal(breaker.state, 'closed');
  });

  it('does not count cancellations, and frees the probe slot of a cancelled probe', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), openMs: 100, clock });
    const cancelled = async () => {
      throw new TaskCancelledError('user');
    };
    await assert.rejects(breaker.execute(cancelled));
    assert.equal(breaker.state, 'closed');
    await assert.rejects(breaker.execute(boom));
    clock.advance(100);
    await assert.rejects(breaker.execute(cancelled));
    assert.equal(breaker.state, 'half-open');
    assert.equal(await breaker.execute(ok), 'ok');
    assert.equal(breaker.state, 'closed');
  });

  it('counts errors that isFailure rejects as successes (caller errors never trip)', async () => {
    const breaker = circuitBreaker({
      breaker: consecutiveBreaker(1),
      clock: new FakeClock(),
      isFailure: (e) => (e as Error).message !== 'not found',
    });
    await assert.rejects(
      breaker.execute(async () => {
        throw new Error('not found');
      }),
    );
    assert.equal(breaker.state, 'closed');
  });

  it('isolate() holds the circuit open until disposed', async () => {
    const breaker = circuitBreaker({ clock: new FakeClock() });
    const handle = breaker.isolate();
    assert.equal(breaker.state, 'isolated');
    await assert.rejects(breaker.execute(ok), (e) => isBrokenCircuitError(e) && e.isolated);
    handle.dispose();
    assert.equal(breaker.state, 'closed');
    assert.equal(await breaker.execute(ok), 'ok');
  });

  it('never has more than halfOpenProbes probes in flight (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.oneof(fc.constant('call'), fc.constant('ok'), fc.constant('fail'), fc.constant('tick')), {
          maxLength: 60,
        }),
        async (probes, script) => {
          const clock = new FakeClock();
          const breaker = circuitBreaker({
            breaker: consecutiveBreaker(1),
            openMs: 10,
            halfOpenProbes: probes,
            clock,
          });
          await breaker.execute(boom).catch(() => {});
          const inFlight: Array<ReturnType<typeof deferred> & { halfOpen: boolean }> = [];
          for (const step of script) {
            if (step === 'tick') clock.advance(10);
            else if (step === 'call') {
              const halfOpen = breaker.state === 'half-open';
              const d = deferred();
              const entry = { ...d, halfOpen };
              let admitted = false;
              const p = breaker.execute(() => {
                admitted = true;
                return d.promise;
              });
              p.catch(() => {});
              await Promise.resolve();
              if (admitted) inFlight.push(entry);
              const halfOpenInFlight = inFlight.filter((e) => e.halfOpen).length;
              assert.ok(halfOpenInFlight <= probes, `${halfOpenInFlight} probes > ${probes}`);
            } else {
              const next = inFlight.shift();
              if (step === 'ok') next?.resolve('ok');
              else next?.reject(new Error('x'));
              await new Promise((r) => setImmediate(r));
            }
          }
          for (const e of inFlight) e.resolve('ok');
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('circuit breaker (time window)', () => {
  it('opens on the failure rate only once the minimum throughput is reached', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({
      breaker: windowBreaker({
        windowMs: 10_000,
        buckets: 10,
        failureRateThreshold: 0.5,
        minimumThroughput: 4,
      }),
      clock,
    });
    const breaks: BreakEvent[] = [];
    breaker.onBreak((e) => breaks.push(e));
    await assert.rejects(breaker.execute(boom));
    await assert.rejects(breaker.execute(boom));
    await assert.rejects(breaker.execute(boom));
    assert.equal(breaker.state, 'closed', '3 calls are below the minimum throughput');
    await breaker.execute(ok);
    assert.equal(breaker.state, 'open', '3 of 4 failed');
    assert.equal(breaks[0]?.reason, 'failure-rate');
  });

  it('forgets failures older than the window', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({
      breaker: windowBreaker({
        windowMs: 1000,
        buckets: 10,
        failureRateThreshold: 0.5,
        minimumThroughput: 4,
      }),
      clock,
    });
    for (let i = 0; i < 3; i++) await assert.rejects(breaker.execute(boom));
    clock.advance(1100);
    await breaker.execute(ok);
    await breaker.execute(ok);
    await breaker.execute(ok);
    await assert.rejects(breaker.execute(boom));
    assert.equal(breaker.state, 'closed', '1 of 4 in the window failed');
  });

  it('opens on the slow-call rate even when every call succeeds', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({
      breaker: windowBreaker({
        windowMs: 10_000,
        slowCallDurationMs: 500,
        slowCallRateThreshold: 0.5,
        minimumThroughput: 2,
      }),
      clock,
    });
    const breaks: BreakEvent[] = [];
    breaker.onBreak((e) => breaks.push(e));
    const slowCall = () => new Promise<string>((resolve) => clock.setTimer(() => resolve('slow'), 600));
    const a = breaker.execute(slowCall);
    await clock.tick(600);
    assert.equal(await a, 'slow');
    assert.equal(breaker.state, 'closed');
    const b = breaker.execute(slowCall);
    await clock.tick(600);
    assert.equal(await b, 'slow');
    assert.equal(breaker.state, 'open');
    assert.equal(breaks[0]?.reason, 'slow-call-rate');
  });
});
