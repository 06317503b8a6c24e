// The saga's step runner on a fake clock and seeded jitter, with in-memory checkpoints: unknown outcomes are
// re-sent until answered, final answers are not, the pause bound is read from the (durable) checkpoints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { Logger } from '@rebound/observability';
import { seededRandom } from '@rebound/resilience';
import { FakeClock } from '@rebound/resilience/testing';
// The built runner (its imports reach NestJS modules, whose decorators do not run from source).
import { StepRunner } from '../dist/saga/step.runner.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
const failure = (code: number, details: string) => Object.assign(new Error(details), { code, details });

/** Checkpoints kept in memory; "unknown since" is measured on the fake clock, as the database measures it. */
function checkpoints(clock: FakeClock, alreadyUnknownMs = 0) {
  const outcomes: string[] = [];
  let since: number | undefined;
  return {
    outcomes,
    async recordStep(_orderId: string, _step: string, outcome: string) {
      outcomes.push(outcome);
    },
    async recordUnknown() {
      outcomes.push('UNKNOWN');
      since ??= clock.now() - alreadyUnknownMs;
      return clock.now() - since;
    },
  };
}

/** Runs `work` to completion, moving the fake clock 10 ms at a time. */
async function drive<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  work.then(
    (value) => {
      outcome = { value };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  while (outcome === undefined) await clock.tick(10);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

const runner = (clock: FakeClock, store: ReturnType<typeof checkpoints>, seed = 7) =>
  new StepRunner(store, quiet, { clock, random: seededRandom(seed) });

/** Runs a step whose every call fails with `code`, to completion on the fake clock. */
const alwaysFailing = (
  clock: FakeClock,
  store: ReturnType<typeof checkpoints>,
  code: number,
  pauseBoundMs: number,
  options: { skipOn?: ReadonlySet<number> } = {},
) =>
  drive(
    clock,
    runner(clock, store).run(
      'o-1',
      'charge_payment',
      async () => {
        throw failure(code, 'no answer');
      },
      pauseBoundMs,
      options,
    ),
  );

describe('StepRunner', () => {
  it('re-sends an unanswered call until it answers: the outage pauses the step, it does not fail it', async () => {
    const clock = new FakeClock();
    const store = checkpoints(clock);
    let calls = 0;
    const result = await drive(
      clock,
      runner(clock, store).run(
        'o-1',
        'charge_payment',
        async () => {
          if (++calls <= 3) throw failure(status.UNAVAILABLE, 'payments down');
        },
        60_000,
      ),
    );
    assert.deepEqual(result, { ok: true });
    assert.equal(calls, 4);
    assert.deepEqual(store.outcomes, [
      'STARTED',
      'UNKNOWN',
      'STARTED',
      'UNKNOWN',
      'STARTED',
      'UNKNOWN',
      'STARTED',
      'SUCCEEDED',
    ]);
  });

  it('does not re-send a final answer (a business refusal): FAILED, final', async () => {
    const clock = new FakeClock();
    const store = checkpoints(clock);
    let calls = 0;
    const result = await drive(
      clock,
      runner(clock, store).run(
        'o-1',
        'reserve_stock',
        async () => {
          calls++;
          throw failure(status.FAILED_PRECONDITION, 'out of stock');
        },
        60_000,
      ),
    );
    assert.equal(calls, 1);
    assert.deepEqual(result, {
      ok: false,
      final: true,
      code: status.FAILED_PRECONDITION,
      detail: 'FAILED_PRECONDITION: out of stock',
    });
    assert.deepEqual(store.outcomes, ['STARTED', 'FAILED']);
  });

  it('gives up once the step has been unknown for the pause bound: FAILED, not final (compensate)', async () => {
    const clock = new FakeClock();
    const store = checkpoints(clock);
    const result = await alwaysFailing(clock, store, status.DEADLINE_EXCEEDED, 10_000);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && !result.final);
    assert.ok(!result.ok && /pause bound of 10000 ms/.test(result.detail));
    assert.ok(clock.now() >= 10_000, `gave up at ${clock.now()} ms, not before the bound`);
    assert.ok(clock.now() < 10_000 + 2_100, 'and within one (capped) backoff after it');
    assert.equal(store.outcomes.at(-1), 'FAILED');
  });

  it('reads the bound from the checkpoints: a resumed step that was unknown for 9.5 s waits only the rest', async () => {
    const clock = new FakeClock();
    const store = checkpoints(clock, 9_500);
    const result = await alwaysFailing(clock, store, status.UNAVAILABLE, 10_000);
    assert.equal(result.ok, false);
    assert.ok(clock.now() < 2_600, `gave up after ${clock.now()} ms of this run`);
  });

  it('stops waiting when its signal aborts (shutdown): the step stays UNKNOWN for recovery', async () => {
    const clock = new FakeClock();
    const store = checkpoints(clock);
    const stopping = new AbortController();
    let calls = 0;
    const work = runner(clock, store).run(
      'o-1',
      'charge_payment',
      async () => {
        if (++calls === 2) stopping.abort();
        throw failure(status.UNAVAILABLE, 'down');
      },
      60_000,
      { signal: stopping.signal },
    );
    await assert.rejects(drive(clock, work));
    assert.equal(store.outcomes.at(-1), 'UNKNOWN');
    assert.ok(!store.outcomes.includes('FAILED'));
  });

  it('records SKIPPED for a final answer its caller skips on', async () => {
    const clock = new FakeClock();
    const store = checkpoints(clock);
    const result = await alwaysFailing(clock, store, status.NOT_FOUND, 60_000, {
      skipOn: new Set([status.NOT_FOUND]),
    });
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(store.outcomes, ['STARTED', 'SKIPPED']);
  });

  it('draws its backoff from the seeded random: the same seed re-sends at the same times, another seed not', async () => {
    const schedule = async (seed: number) => {
      const clock = new FakeClock();
      const times: number[] = [];
      await drive(
        clock,
        runner(clock, checkpoints(clock), seed).run(
          'o-1',
          'charge_payment',
          async () => {
            times.push(clock.now());
            if (times.length < 6) throw failure(status.UNAVAILABLE, 'down');
          },
          60_000,
        ),
      );
      return times;
    };
    assert.deepEqual(await schedule(1), await schedule(1));
    assert.notDeepEqual(await schedule(1), await schedule(2));
  });
});
