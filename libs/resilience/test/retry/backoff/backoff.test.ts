import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  constantBackoff,
  decorrelatedJitterBackoff,
  exponentialBackoff,
  fullJitterBackoff,
  type Random,
  seededRandom,
} from '../../../src/index.ts';

const fixed = (x: number): Random => ({ next: () => x });

describe('backoffs', () => {
  it('constant returns the same delay for every retry', () => {
    const b = constantBackoff(50);
    assert.deepEqual(
      [0, 1, 5].map((n) => b.delay(n, fixed(0.5), { value: 0 })),
      [50, 50, 50],
    );
  });

  it('exponential grows by its exponent and stops at the cap', () => {
    const b = exponentialBackoff({ baseMs: 10, maxMs: 100, exponent: 3 });
    const memo = { value: 0 };
    assert.deepEqual(
      [0, 1, 2, 3, 2000].map((n) => b.delay(n, fixed(0), memo)),
      [10, 30, 90, 100, 100],
    );
  });

  it('full jitter draws in [0, min(cap, base*2^n))', () => {
    const b = fullJitterBackoff({ baseMs: 10, maxMs: 1000 });
    const memo = { value: 0 };
    assert.equal(b.delay(3, fixed(0), memo), 0);
    assert.equal(b.delay(3, fixed(0.5), memo), 40);
    assert.equal(b.delay(30, fixed(0.5), memo), 500);
    const random = seededRandom(7);
    for (let n = 0; n < 50; n++) {
      const d = b.delay(n, random, memo);
      assert.ok(d >= 0 && d < Math.min(1000, 10 * 2 ** n));
    }
  });

  it('decorrelated jitter has a first median delay near base and never exceeds the cap', () => {
    const b = decorrelatedJitterBackoff({ baseMs: 100, maxMs: 5000 });
    const random = seededRandom(3);
    const firsts: number[] = [];
    for (let i = 0; i < 2001; i++) firsts.push(b.delay(0, random, { value: 0 }));
    firsts.sort((x, y) => x - y);
    const median = firsts[1000]!;
    assert.ok(median > 60 && median < 160, `median first delay ${median}`);
    const memo = { value: 0 };
    for (let n = 0; n < 40; n++) {
      const d = b.delay(n, random, memo);
      assert.ok(d >= 0 && d <= 5000, `retry ${n}: ${d}`);
    }
  });

  it('decorrelated jitter stays a finite number at very high retry counts (no NaN)', () => {
    const b = decorrelatedJitterBackoff({ baseMs: 100, maxMs: 30_000 });
    const memo = { value: 0 };
    const random = seededRandom(1);
    for (let n = 0; n < 2000; n++) {
      const d = b.delay(n, random, memo);
      assert.ok(Number.isFinite(d) && d >= 0 && d <= 30_000, `retry ${n}: ${d}`);
    }
  });

  it('gives identical schedules for identical seeds and different ones across replicas', () => {
    const schedule = (seed: number) => {
      const b = decorrelatedJitterBackoff();
      const random = seededRandom(seed);
      const memo = { value: 0 };
      return Array.from({ length: 5 }, (_, n) => b.delay(n, random, memo));
    };
    assert.deepEqual(schedule(11), schedule(11));
    assert.notDeepEqual(schedule(11), schedule(12));
  });
});
