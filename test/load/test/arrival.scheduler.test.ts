import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { ArrivalScheduler } from '../src/arrival.scheduler.ts';
import { seededRandom } from '../src/seeded.random.ts';

function record(clock: FakeClock, rate: number, process: 'uniform' | 'poisson' = 'uniform', seed = 1) {
  const arrivals: { intendedAt: number; firedAt: number }[] = [];
  const scheduler = new ArrivalScheduler({
    clock,
    random: seededRandom(seed),
    rate,
    process,
    onArrival: (intendedAt) => arrivals.push({ intendedAt, firedAt: clock.now() }),
  });
  return { scheduler, arrivals };
}

describe('ArrivalScheduler', () => {
  it('starts arrivals at the configured rate, each at its intended time', async () => {
    const clock = new FakeClock();
    const { scheduler, arrivals } = record(clock, 100);
    scheduler.start();
    await clock.tick(1_000);
    assert.equal(arrivals.length, 100);
    assert.deepEqual(
      arrivals.slice(0, 3).map((a) => a.intendedAt),
      [10, 20, 30],
    );
    assert.ok(arrivals.every((a) => a.firedAt === a.intendedAt));
  });

  it('keeps the intended times when its timer fires late, and starts every arrival that was due', async () => {
    const clock = new FakeClock();
    const { scheduler, arrivals } = record(clock, 100);
    scheduler.start();
    clock.jump(55);
    await clock.tick(0);
    assert.deepEqual(
      arrivals.map((a) => a.intendedAt),
      [10, 20, 30, 40, 50],
    );
    assert.ok(
      arrivals.every((a) => a.firedAt === 55),
      'all were started at once, late',
    );
    await clock.tick(5);
    assert.equal(arrivals.at(-1)?.intendedAt, 60, 'the schedule goes on from the intended times');
  });

  it('draws the same Poisson arrivals from the same seed, at the rate on average', async () => {
    const run = async (seed: number) => {
      const clock = new FakeClock();
      const { scheduler, arrivals } = record(clock, 20, 'poisson', seed);
      scheduler.start();
      await clock.tick(100_000);
      scheduler.stop();
      return arrivals.map((a) => a.intendedAt);
    };
    const first = await run(7);
    assert.deepEqual(await run(7), first);
    assert.notDeepEqual(await run(8), first);
    // 2000 expected; the standard deviation of a Poisson count is about 45.
    assert.ok(first.length > 1_850 && first.length < 2_150, `got ${first.length} arrivals`);
  });

  it('changes rate at run time, pauses at 0 and leaves no timer when stopped', async () => {
    const clock = new FakeClock();
    const { scheduler, arrivals } = record(clock, 10);
    scheduler.start();
    await clock.tick(1_000);
    assert.equal(arrivals.length, 10);
    scheduler.setRate(50);
    await clock.tick(1_000);
    assert.equal(arrivals.length, 60);
    scheduler.setRate(0);
    await clock.tick(5_000);
    assert.equal(arrivals.length, 60);
    scheduler.setRate(10);
    await clock.tick(1_000);
    assert.equal(arrivals.length, 70);
    scheduler.stop();
    assert.equal(clock.pendingTimers, 0);
    await clock.tick(5_000);
    assert.equal(arrivals.length, 70);
  });

  it('refuses a negative or non-numeric rate', () => {
    const clock = new FakeClock();
    assert.throws(() => record(clock, -1), RangeError);
    assert.throws(() => record(clock, Number.NaN), RangeError);
  });
});
