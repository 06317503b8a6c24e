import type { Random } from './seeded.random.ts';

/** What a shopper does on one arrival. */
export const OPERATIONS = ['browse', 'product', 'checkout', 'lookup'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The share of each operation among the shoppers' arrivals; the shares add up to 1. */
export type Mix = Readonly<Record<Operation, number>>;

/** Mostly looking, some buying: product lists 40%, product pages 35%, checkouts 15%, order look-ups 10%. */
export const DEFAULT_MIX: Mix = { browse: 0.4, product: 0.35, checkout: 0.15, lookup: 0.1 };

export class MixError extends Error {
  override name = 'MixError';
}

const isOperation = (name: string): name is Operation => (OPERATIONS as readonly string[]).includes(name);

/** Parses `checkout=0.3,browse=40%` into shares (0..1); throws `MixError` with one clear line. */
export function parseMix(text: string): Partial<Record<Operation, number>> {
  const shares: Partial<Record<Operation, number>> = {};
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new MixError(`expected op=share[,op=share...], got '${text}'`);
  for (const entry of entries) {
    const match = /^([a-z]+)=(\d+(?:\.\d+)?)(%?)$/.exec(entry);
    const name = match?.[1] ?? '';
    if (match === null || !isOperation(name)) {
      throw new MixError(`expected op=share with op one of ${OPERATIONS.join(', ')}, got '${entry}'`);
    }
    const share = Number(match[2]) / (match[3] === '%' ? 100 : 1);
    if (share > 1) throw new MixError(`a share is at most 1 (or 100%), got '${entry}'`);
    shares[name] = share;
  }
  return shares;
}

/**
 * The mix after `update`: the operations named get exactly their share, the others share what is left in
 * their current proportions (equally if they had none). `mix checkout=0.3` from the default gives
 * checkout 30% and scales browse, product and lookup from 85% down to 70%. When every operation is named,
 * the shares are normalised to add up to 1.
 */
export function applyMix(current: Mix, update: Partial<Record<Operation, number>>): Mix {
  const named = OPERATIONS.filter((op) => update[op] !== undefined);
  const others = OPERATIONS.filter((op) => update[op] === undefined);
  const namedSum = named.reduce((sum, op) => sum + (update[op] ?? 0), 0);
  const next: Record<Operation, number> = { ...current };
  if (others.length === 0) {
    if (namedSum <= 0) throw new MixError('at least one share must be above 0');
    for (const op of named) next[op] = (update[op] ?? 0) / namedSum;
    return next;
  }
  if (namedSum > 1 + 1e-9) {
    throw new MixError(`the shares named add up to ${round(namedSum)}, more than 1`);
  }
  const rest = Math.max(0, 1 - namedSum);
  const othersSum = others.reduce((sum, op) => sum + current[op], 0);
  for (const op of named) next[op] = update[op] ?? 0;
  for (const op of others) next[op] = othersSum > 0 ? (current[op] / othersSum) * rest : rest / others.length;
  return next;
}

/** The operation whose slice of [0, 1) holds `random()`. */
export function pickOperation(mix: Mix, random: Random): Operation {
  let draw = random();
  for (const op of OPERATIONS) {
    if (draw < mix[op]) return op;
    draw -= mix[op];
  }
  // Rounding left a sliver past the last share: the last operation with a share takes it.
  return [...OPERATIONS].reverse().find((op) => mix[op] > 0) ?? 'browse';
}

/** `browse=0.40 product=0.35 checkout=0.15 lookup=0.10` */
export function formatMix(mix: Mix): string {
  return OPERATIONS.map((op) => `${op}=${round(mix[op])}`).join(' ');
}

const round = (value: number) => Math.round(value * 100) / 100;
