import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyMix,
  DEFAULT_MIX,
  MixError,
  OPERATIONS,
  parseMix,
  pickOperation,
} from '../src/operation.mix.ts';
import { seededRandom } from '../src/seeded.random.ts';

const near = (actual: number, expected: number, within = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= within, `${actual} is not within ${within} of ${expected}`);

describe('mix', () => {
  it('parses shares as fractions or percentages', () => {
    assert.deepEqual(parseMix('checkout=0.3'), { checkout: 0.3 });
    assert.deepEqual(parseMix(' browse=40%, lookup=0 '), { browse: 0.4, lookup: 0 });
  });

  it('refuses unknown operations, shares above 1 and empty input with one line', () => {
    assert.throws(() => parseMix('buy=0.3'), /op one of browse, product, checkout, lookup/);
    assert.throws(() => parseMix('checkout=1.5'), MixError);
    assert.throws(() => parseMix('checkout=150%'), MixError);
    assert.throws(() => parseMix(''), MixError);
    assert.throws(() => applyMix(DEFAULT_MIX, { checkout: 0.8, browse: 0.5 }), /add up to 1.3/);
  });

  it('gives the operations named their share and the others the rest in their old proportions', () => {
    const mix = applyMix(DEFAULT_MIX, { checkout: 0.3 });
    near(mix.checkout, 0.3);
    near(mix.browse, (0.4 / 0.85) * 0.7);
    near(mix.product, (0.35 / 0.85) * 0.7);
    near(mix.lookup, (0.1 / 0.85) * 0.7);
    near(
      OPERATIONS.reduce((sum, op) => sum + mix[op], 0),
      1,
    );
  });

  it('normalises when every operation is named', () => {
    const mix = applyMix(DEFAULT_MIX, { browse: 1, product: 1, checkout: 2, lookup: 0 });
    assert.deepEqual(mix, { browse: 0.25, product: 0.25, checkout: 0.5, lookup: 0 });
  });

  it('picks operations in their shares, the same sequence from the same seed', () => {
    const mix = applyMix(DEFAULT_MIX, { lookup: 0 });
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 20_000 }, () => pickOperation(mix, random));
    };
    const picks = draw(3);
    assert.deepEqual(draw(3), picks);
    assert.notDeepEqual(draw(4), picks);
    for (const op of OPERATIONS) {
      const share = picks.filter((p) => p === op).length / picks.length;
      near(share, mix[op], 0.015);
    }
    assert.ok(!picks.includes('lookup'), 'an operation with share 0 is never picked');
  });
});
