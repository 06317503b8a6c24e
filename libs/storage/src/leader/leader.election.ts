import { randomUUID } from 'node:crypto';
import { type Clock, systemClock, type TimerHandle } from '@rebound/resilience';
import type { Database, Queryable } from '../database.types.ts';
import { FencingTokenError } from '../errors/fencing-token.error.ts';
import { openPostgres } from '../postgres.database.ts';
import { ACQUIRE_SQL, FENCE_SQL, LEADER_LEASES_SQL, RELEASE_SQL, RENEW_SQL } from './lease.sql.ts';

export interface LeaderState {
  readonly isLeader: boolean;
  /** The fencing token of the current term while leader, else `undefined`. */
  readonly fencingToken: number | undefined;
}

export interface LeaderElectionOptions {
  /** The lease's name: one leader per name (`orders-recovery`). */
  readonly name: string;
  /** How long a lease lives without renewal; a crashed leader is replaced within about this long. Default 10 s. */
  readonly leaseMs?: number;
  /** How often the leader renews and followers try to acquire. Default `leaseMs / 3`. */
  readonly intervalMs?: number;
  /** This contender's id in the table. Default a random UUID. */
  readonly holder?: string;
  /**
   * Times the local view of the lease (renewals, self-deposition); expiry in the table uses database time.
   * Default: the process clock, timers unref'd. A test clock may wait for the renewal a timer's callback returns.
   */
  readonly clock?: Clock;
  /** Database errors while renewing or acquiring (the election keeps trying). */
  readonly onError?: (error: unknown) => void;
  /** Schema when a URL is passed instead of a `Database`. Default `public`. */
  readonly schema?: string;
}

export interface LeaderElection extends LeaderState {
  readonly name: string;
  readonly holder: string;
  /** Called on every change of leadership (won, lost, closed); returns an unsubscribe function. */
  onChange(listener: (state: LeaderState) => void): () => void;
  /**
   * Stops contending; a leader releases the lease so another replica takes over at its next attempt. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Elects one leader per `name` among replicas sharing a database, with a lease row and fencing tokens.
 *
 * Resolves after the first attempt, so a lone contender is leader at once. The leader renews every `intervalMs`; it considers itself deposed `leaseMs` after its last
 * successful renewal *started* (before the table's expiry), and at once when a renewal finds the token changed.
 * Guard every leader-only write with {@link withFencing} so a deposed leader's late writes are refused.
 */
export async function electLeader(
  target: Database | string,
  options: LeaderElectionOptions,
): Promise<LeaderElection> {
  const db =
    typeof target === 'string'
      ? await openPostgres({ url: target, schema: options.schema ?? 'public', poolMax: 2 })
      : target;
  const ownsDb = typeof target === 'string';
  const leaseMs = options.leaseMs ?? 10_000;
  if (!(leaseMs > 0)) throw new RangeError(`leaseMs must be > 0, got ${leaseMs}`);
  const intervalMs = options.intervalMs ?? Math.max(1, Math.floor(leaseMs / 3));
  if (!(intervalMs > 0 && intervalMs < leaseMs))
    throw new RangeError(`intervalMs must be in (0, leaseMs), got ${intervalMs}`);
  const clock = options.clock ?? systemClock;
  const holder = options.holder ?? randomUUID();
  const name = options.name;

  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('rebound_leader_leases'))");
    await tx.exec(LEADER_LEASES_SQL);
  });

  const listeners = new Set<(state: LeaderState) => void>();
  let token: number | undefined;
  let leaderUntil = Number.NEGATIVE_INFINITY;
  let closed = false;
  let next: TimerHandle | undefined;
  let expiry: TimerHandle | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const state = (): LeaderState => ({ isLeader: token !== undefined, fencingToken: token });
  const emit = (): void => {
    const snapshot = state();
    for (const listener of listeners) listener(snapshot);
  };
  const stepDown = (): void => {
    expiry?.cancel();
    if (token === undefined) return;
    token = undefined;
    leaderUntil = Number.NEGATIVE_INFINITY;
    emit();
  };
  const hold = (newToken: number, until: number): void => {
    const changed = token !== newToken;
    token = newToken;
    leaderUntil = until;
    expiry?.cancel();
    expiry = clock.setTimer(() => {
      if (clock.now() >= leaderUntil) stepDown();
    }, until - clock.now());
    if (changed) emit();
  };

  const attempt = async (): Promise<void> => {
    const started = clock.now();
    try {
      if (token !== undefined) {
        const renewed = await db.query<{ token: number }>(RENEW_SQL, [name, holder, token, leaseMs]);
        if (closed) return;
        if (renewed.rows[0]) hold(token, started + leaseMs);
        else stepDown();
      }
      if (token === undefined && !closed) {
        const acquired = await db.query<{ token: number }>(ACQUIRE_SQL, [name, holder, leaseMs]);
        if (closed) return;
        const row = acquired.rows[0];
        if (row) hold(Number(row.token), started + leaseMs);
      }
    } catch (error) {
      options.onError?.(error);
      if (clock.now() >= leaderUntil) stepDown();
    }
  };
  const schedule = (): void => {
    if (closed) return;
    next = clock.setTimer(() => {
      inFlight = attempt().then(schedule);
      return inFlight;
    }, intervalMs);
  };

  inFlight = attempt();
  await inFlight;
  schedule();

  return {
    name,
    holder,
    get isLeader() {
      return token !== undefined && clock.now() < leaderUntil;
    },
    get fencingToken() {
      return token !== undefined && clock.now() < leaderUntil ? token : undefined;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      next?.cancel();
      await inFlight.catch(() => {});
      const held = token;
      stepDown();
      if (held !== undefined) await db.query(RELEASE_SQL, [name, holder, held]).catch(() => {});
      listeners.clear();
      if (ownsDb) await db.close();
    },
  };
}

/**
 * Runs `fn` in one transaction that first checks (and share-locks) the lease's current fencing token: a stale
 * token throws {@link FencingTokenError} before `fn` runs, and a new leader cannot acquire the lease until this
 * transaction ends, so no write of a deposed leader lands after its successor's first one.
 */
export function withFencing<T>(
  db: Database,
  lease: { readonly name: string; readonly fencingToken: number | undefined },
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await assertFencingToken(tx, lease.name, lease.fencingToken);
    return fn(tx);
  });
}

/** The check {@link withFencing} makes, for callers that already hold a transaction. */
export async function assertFencingToken(
  tx: Queryable,
  name: string,
  fencingToken: number | undefined,
): Promise<void> {
  if (fencingToken === undefined) throw new FencingTokenError(name, -1);
  const { rows } = await tx.query(FENCE_SQL, [name, fencingToken]);
  if (rows.length === 0) throw new FencingTokenError(name, fencingToken);
}
