/**
 * A source of uniform numbers in [0, 1), injected wherever jitter is drawn. Replicas must not share a seed, or
 * they retry in lockstep; tests pass {@link seededRandom} for repeatable schedules.
 */
export interface Random {
  next(): number;
}

/** V8's `Math.random`, seeded independently in every process. */
export const systemRandom: Random = { next: () => Math.random() };

/**
 * A small, fast deterministic generator (sfc32 seeded through splitmix32). Same seed, same sequence.
 * Use a per-replica seed (pid, pod name hash) in production if you need reproducibility without lockstep.
 */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return {
    next(): number {
      const t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) >>> 0;
      return t / 4294967296;
    },
  };
}
