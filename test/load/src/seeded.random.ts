/** A source of uniform numbers in [0, 1): `Math.random` or a seeded generator. */
export type Random = () => number;

/**
 * A seeded generator (mulberry32: 32 bits of state, fast, good enough for traffic mixes and think times; not
 * for secrets). The same seed gives the same sequence on every machine.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An independent generator derived from `random` (one per stream, so one stream's draws never shift another's). */
export function fork(random: Random): Random {
  return seededRandom(Math.floor(random() * 4_294_967_296));
}

/** An integer in [min, max]. */
export function integerBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** An exponentially distributed value of mean `mean` (the gaps of a Poisson process). */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/** One element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick: empty list');
  return item;
}
