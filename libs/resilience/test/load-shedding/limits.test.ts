import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { aimdLimit } from '../../src/load-shedding/aimd.limit.ts';
import { gradient2Limit } from '../../src/load-shedding/gradient2.limit.ts';
import type { LimitSample } from '../../src/load-shedding/limit.types.ts';
import { windowedLimit } from '../../src/load-shedding/windowed.limit.ts';

describe('gradient2Limit', () => {
  it('grows by about sqrt(limit) per sample while latency is steady and the limit is used', () => {
    const limit = gradient2Limit({ initialLimit: 20, minLimit: 5, maxLimit: 100 });
    limit.update({ rttMs: 10, inflight: 20, dropped: false });
    // gradient 1 (tolerance caps it), estimate 20 + sqrt(20), smoothed 0.2: 20 + 0.2·4.47
    assert.ok(Math.abs(limit.limit - (20 + 0.2 * Math.sqrt(20))) < 1e-9);
    for (let i = 0; i < 200; i++)
      limit.update({ rttMs: 10, inflight: Math.ceil(limit.limit), dropped: false });
    assert.equal(limit.limit, 100, 'capped at maxLimit');
  });

  it('does not grow while the caller uses less than half the limit (app-limited)', () => {
    const limit = gradient2Limit({ initialLimit: 40, minLimit: 5, maxLimit: 100 });
    for (let i = 0; i < 50; i++) limit.update({ rttMs: 10, inflight: 19, dropped: false });
    assert.equal(limit.limit, 40);
  });

  it('shrinks when the short-term latency rises well above the long-term one, at most by half', () => {
    const limit = gradient2Limit({ initialLimit: 100, minLimit: 5, maxLimit: 200 });
    for (let i = 0; i < 100; i++) limit.update({ rttMs: 10, inflight: 100, dropped: false });
    const before = limit.limit;
    assert.ok(limit.shortRtt < 10.001 && limit.longRtt < 10.001);
    limit.update({ rttMs: 200, inflight: Math.ceil(before), dropped: false });
    const after = limit.limit;
    assert.ok(after < before, `limit ${after} should drop below ${before}`);
    // gradient floor 0.5: new = 0.8·L + 0.2·(0.5·L + sqrt(L)) >= 0.9·L
    assert.ok(after >= 0.9 * before - 1e-9);
    for (let i = 0; i < 100; i++)
      limit.update({ rttMs: 200, inflight: Math.ceil(limit.limit), dropped: false });
    assert.ok(limit.limit < before, 'stays lower while latency stays high');
  });

  it('stays within [min, max] whatever the samples (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rtt: fc.double({ min: 0, max: 1e5, noNaN: true }), inflight: fc.nat(500) }), {
          maxLength: 300,
        }),
        (samples) => {
          const limit = gradient2Limit({ initialLimit: 20, minLimit: 10, maxLimit: 50 });
          for (const s of samples) {
            limit.update({ rttMs: s.rtt, inflight: s.inflight, dropped: false });
            if (!(limit.limit >= 10 && limit.limit <= 50)) return false;
          }
          return true;
        },
      ),
    );
  });

  it('validates its options', () => {
    assert.throws(() => gradient2Limit({ initialLimit: 5, minLimit: 10 }), RangeError);
    assert.throws(() => gradient2Limit({ smoothing: 0 }), RangeError);
    assert.throws(() => gradient2Limit({ rttTolerance: 0.5 }), RangeError);
  });
});

describe('aimdLimit', () => {
  it('adds one per used success and multiplies by the backoff ratio on a drop or a slow call', () => {
    const limit = aimdLimit({ initialLimit: 10, minLimit: 2, maxLimit: 12, timeoutMs: 1000 });
    limit.update({ rttMs: 5, inflight: 5, dropped: false });
    assert.equal(limit.limit, 11);
    limit.update({ rttMs: 5, inflight: 2, dropped: false });
    assert.equal(limit.limit, 11, 'no growth when less than half used');
    limit.update({ rttMs: 5, inflight: 11, dropped: false });
    limit.update({ rttMs: 5, inflight: 11, dropped: false });
    assert.equal(limit.limit, 12, 'capped at max');
    limit.update({ rttMs: 5, inflight: 12, dropped: true });
    assert.equal(limit.limit, 10, 'floor(12 × 0.9)');
    limit.update({ rttMs: 1001, inflight: 1, dropped: false });
    assert.equal(limit.limit, 9, 'a call slower than timeoutMs is a drop');
    for (let i = 0; i < 50; i++) limit.update({ rttMs: 5, inflight: 1, dropped: true });
    assert.equal(limit.limit, 2, 'never below min');
  });

  it('stays within [min, max] whatever the samples (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rtt: fc.nat(10_000), inflight: fc.nat(100), dropped: fc.boolean() })),
        (samples) => {
          const limit = aimdLimit({ initialLimit: 10, minLimit: 3, maxLimit: 30 });
          for (const s of samples) {
            limit.update({ rttMs: s.rtt, inflight: s.inflight, dropped: s.dropped });
            if (!(limit.limit >= 3 && limit.limit <= 30 && Number.isInteger(limit.limit))) return false;
          }
          return true;
        },
      ),
    );
  });

  it('validates its options', () => {
    assert.throws(() => aimdLimit({ backoffRatio: 1 }), RangeError);
    assert.throws(() => aimdLimit({ initialLimit: 10, maxLimit: 5 }), RangeError);
  });
});

describe('windowedLimit', () => {
  it('feeds its algorithm one sample per window: average latency, highest in-flight, any drop', () => {
    const seen: LimitSample[] = [];
    const inner = { limit: 4, update: (sample: LimitSample) => seen.push(sample) };
    const limit = windowedLimit(inner, { minSamples: 3 });
    limit.update({ rttMs: 10, inflight: 1, dropped: false });
    limit.update({ rttMs: 20, inflight: 3, dropped: true });
    limit.update({ rttMs: 30, inflight: 2, dropped: false });
    assert.equal(seen.length, 0, 'a window holds max(minSamples, limit) = 4 calls');
    limit.update({ rttMs: 40, inflight: 1, dropped: false });
    assert.deepEqual(seen, [{ rttMs: 25, inflight: 3, dropped: true }]);
    for (let i = 0; i < 4; i++) limit.update({ rttMs: 5, inflight: 1, dropped: false });
    assert.deepEqual(seen[1], { rttMs: 5, inflight: 1, dropped: false }, 'the next window starts afresh');
  });

  it('lets a second of slow calls trim the limit once, where per-call updates collapse it', () => {
    const options = { initialLimit: 64, minLimit: 8, maxLimit: 64 };
    const perCall = gradient2Limit(options);
    const windowed = windowedLimit(gradient2Limit({ ...options, shortWindow: 1, longWindow: 60 }));
    const feed = (rttMs: number, calls: number) => {
      for (let i = 0; i < calls; i++) {
        perCall.update({ rttMs, inflight: Math.ceil(perCall.limit), dropped: false });
        windowed.update({ rttMs, inflight: Math.ceil(windowed.limit), dropped: false });
      }
    };
    feed(10, 640);
    const steady = windowed.limit;
    feed(400, 60);
    assert.ok(perCall.limit < 16, `per-call limit ${perCall.limit} collapsed`);
    assert.ok(
      windowed.limit >= 0.9 * steady - 1e-9,
      `windowed ${windowed.limit} vs ${steady}: at most a tenth`,
    );
    feed(400, 540);
    assert.ok(windowed.limit < steady / 2, `windowed ${windowed.limit}: sustained latency keeps cutting`);
  });

  it('validates its options', () => {
    assert.throws(() => windowedLimit(gradient2Limit(), { minSamples: 0 }), RangeError);
  });
});
