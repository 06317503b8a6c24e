import type { Clock, Random, TimerHandle } from '@rebound/resilience';
import { systemClock, systemRandom } from '@rebound/resilience';
import type { Database } from '@rebound/storage';
import {
  DEFAULT_RELAY_BACKOFF_BASE_MS,
  DEFAULT_RELAY_BACKOFF_MAX_MS,
  DEFAULT_RELAY_BATCH_SIZE,
  DEFAULT_RELAY_POLL_MS,
} from '../constants.ts';
import type { MessageProducer, OutgoingMessage } from '../producer/message.producer.ts';

export interface OutboxRelayOptions {
  readonly db: Database;
  readonly producer: MessageProducer;
  /** Rows per round (one produce request). Default 100. */
  readonly batchSize?: number;
  /** Wait after a round that found fewer rows than `batchSize`. Default 500 ms; `wake()` cuts it short. */
  readonly pollIntervalMs?: number;
  /**
   * How long a `wake()` waits before its round, so that the commits of that moment share one round (one
   * transaction) instead of one each. Default 0: the round runs at once.
   */
  readonly wakeDelayMs?: number;
  /** Backoff after failed rounds: `min(max, base·2^(n−1))`, halved-jittered ("equal jitter"). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  /** A failed round and the delay before the next one. */
  readonly onError?: (error: unknown, consecutiveFailures: number, delayMs: number) => void;
  /** Rows published and marked sent by one round. */
  readonly onPublished?: (count: number) => void;
}

export interface OutboxBacklog {
  /** Unsent rows. */
  readonly count: number;
  /** Age of the oldest unsent row in seconds (database time), 0 when empty. */
  readonly oldestAgeSeconds: number;
}

export interface OutboxRelayStats {
  readonly rounds: number;
  readonly published: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  /** The delay chosen after the last round (poll interval, 0 for "more to do", or a backoff). */
  readonly lastDelayMs: number;
}

export interface OutboxRelay {
  /** Starts the loop (first round at once). */
  start(): void;
  /** Stops after the current round; idempotent. */
  stop(): Promise<void>;
  /** Runs the next round now instead of waiting out the poll interval (not a backoff). */
  wake(): void;
  /** One round by hand: publishes up to `batchSize` rows and marks them sent; resolves with the count. */
  runOnce(): Promise<number>;
  backlog(): Promise<OutboxBacklog>;
  readonly stats: OutboxRelayStats;
}

interface OutboxRow {
  id: number;
  event_id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: string;
  headers: Record<string, string> | string;
}

/**
 * One round's work in one statement: take the relay's transaction-scoped advisory lock, and only if it was free,
 * mark up to `$1` unsent rows sent and return them (the transaction commits after the publish, or rolls back
 * if it fails). Always returns at least the lock's row, so "lock held elsewhere" and "nothing to send" differ.
 * The UPDATE re-checks `sent_at IS NULL` on each row's latest version, so a row another relay marked and
 * committed after this statement's snapshot is skipped, not sent twice.
 */
const CLAIM_UNSENT = `WITH lock AS MATERIALIZED (
    SELECT pg_try_advisory_xact_lock(hashtext('rebound_outbox_relay')) AS locked
  ), claimed AS (
    UPDATE outbox SET sent_at = now()
    WHERE sent_at IS NULL AND id IN (
      SELECT id FROM outbox, lock WHERE lock.locked AND sent_at IS NULL ORDER BY id LIMIT $1
    )
    RETURNING id, event_id, topic, message_key, event_type, payload, headers
  )
SELECT lock.locked, claimed.* FROM lock LEFT JOIN claimed ON true ORDER BY claimed.id`;

/** A poll's first look, outside any transaction: one index probe on the partial index of unsent rows. */
const ANY_UNSENT = 'SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL) AS pending';

/**
 * Publishes outbox rows in id order and marks them sent, at least once.
 *
 * Two relays (two replicas) are safe on PostgreSQL: each round runs in a transaction that first takes
 * `pg_try_advisory_xact_lock` on the relay's lock; a replica that does not get it skips the round. So rounds
 * never overlap and per-key order holds (plain `FOR UPDATE SKIP LOCKED` would let a second relay publish a
 * later row of a key whose earlier row the first relay still holds). A round is three statements (BEGIN, the
 * lock with the claim of the rows, COMMIT after the publish); a failed publish rolls the claim back.
 *
 * A crash between publish and commit re-publishes that batch on restart: consumers dedupe by event id.
 *
 * Polls (no `wake()`) first ask whether any row is unsent, in one statement outside a transaction, so an idle
 * relay costs one index probe per poll. A round that found the lock held elsewhere after a `wake()` tries again
 * after `wakeDelayMs` rather than a whole poll interval: the other relay's round may have begun before this
 * replica's commit.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, producer } = options;
  const batchSize = options.batchSize ?? DEFAULT_RELAY_BATCH_SIZE;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_RELAY_POLL_MS;
  const wakeDelayMs = options.wakeDelayMs ?? 0;
  const baseMs = options.backoffBaseMs ?? DEFAULT_RELAY_BACKOFF_BASE_MS;
  const maxMs = options.backoffMaxMs ?? DEFAULT_RELAY_BACKOFF_MAX_MS;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;

  let running = false;
  let timer: TimerHandle | undefined;
  let current: Promise<void> | undefined;
  let waitingPoll = false;
  /** A `wake()` came while a round ran: its commit may be after the round's snapshot. */
  let wokenDuringRound = false;
  const stats = { rounds: 0, published: 0, failures: 0, consecutiveFailures: 0, lastDelayMs: 0 };

  /** Claims, publishes and commits one batch; `undefined` when another relay holds the lock. */
  const lockedRound = (): Promise<number | undefined> => {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<OutboxRow & { locked: boolean }>(CLAIM_UNSENT, [batchSize]);
      if (!rows[0]?.locked) return undefined;
      const claimed = rows.filter((row) => row.id !== null);
      if (claimed.length === 0) return 0;
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const row of claimed) {
        const headers = typeof row.headers === 'string' ? JSON.parse(row.headers) : row.headers;
        const list = byTopic.get(row.topic) ?? [];
        list.push({
          key: row.message_key,
          value: row.payload,
          id: row.event_id,
          type: row.event_type,
          headers,
        });
        byTopic.set(row.topic, list);
      }
      await producer.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      return claimed.length;
    });
  };

  const anyUnsent = async (): Promise<boolean> => {
    const { rows } = await db.query<{ pending: boolean }>(ANY_UNSENT);
    return rows[0]?.pending === true;
  };

  /** One round (with `poll`, only if a row is unsent); `undefined` when another relay held the lock. */
  const publishRound = async (poll: boolean): Promise<number | undefined> => {
    try {
      if (poll && !(await anyUnsent())) return 0;
      const count = await lockedRound();
      if (count === undefined) return undefined;
      stats.published += count;
      if (count > 0) options.onPublished?.(count);
      return count;
    } catch (error) {
      stats.failures++;
      throw error;
    }
  };

  const backoff = (failures: number): number => {
    const ceiling = Math.min(maxMs, baseMs * 2 ** (failures - 1));
    return ceiling / 2 + (random.next() * ceiling) / 2;
  };

  let backlogQuery: Promise<OutboxBacklog> | undefined;
  const readBacklog = async (): Promise<OutboxBacklog> => {
    const { rows } = await db.query<{ count: number; age: number | null }>(
      `SELECT count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
       FROM outbox WHERE sent_at IS NULL`,
    );
    return { count: rows[0]?.count ?? 0, oldestAgeSeconds: Math.max(0, rows[0]?.age ?? 0) };
  };

  const runOnce = async (): Promise<number> => (await publishRound(false)) ?? 0;

  /** A round; `poll` when nothing asked for it (no wake, no full batch before, no failure to retry). */
  const round = async (poll: boolean): Promise<void> => {
    let delay: number;
    let nextIsPoll = false;
    stats.rounds++;
    wokenDuringRound = false;
    try {
      const count = await publishRound(poll);
      stats.consecutiveFailures = 0;
      if (count !== undefined && count >= batchSize) delay = 0;
      else if ((wokenDuringRound || (count === undefined && !poll)) && wakeDelayMs > 0) delay = wakeDelayMs;
      else {
        delay = pollIntervalMs;
        nextIsPoll = true;
      }
    } catch (error) {
      stats.consecutiveFailures++;
      delay = backoff(stats.consecutiveFailures);
      options.onError?.(error, stats.consecutiveFailures, delay);
    }
    stats.lastDelayMs = delay;
    if (running) schedule(delay, nextIsPoll);
  };

  const schedule = (delayMs: number, poll: boolean): void => {
    waitingPoll = poll;
    timer = clock.setTimer(() => {
      timer = undefined;
      current = round(poll);
    }, delayMs);
  };

  return {
    start() {
      if (running) return;
      running = true;
      current = round(false);
    },
    async stop() {
      running = false;
      timer?.cancel();
      timer = undefined;
      await current;
    },
    wake() {
      if (!running) return;
      if (!timer) {
        wokenDuringRound = true;
        return;
      }
      if (!waitingPoll) return; // a backoff, a wake already due, or a full batch's next round
      timer.cancel();
      timer = undefined;
      if (wakeDelayMs === 0) {
        current = round(false);
        return;
      }
      waitingPoll = false;
      timer = clock.setTimer(() => {
        timer = undefined;
        current = round(false);
      }, wakeDelayMs);
    },
    runOnce,
    backlog() {
      // The backlog's two gauges ask at the same scrape: they share one query.
      backlogQuery ??= readBacklog().finally(() => {
        backlogQuery = undefined;
      });
      return backlogQuery;
    },
    get stats() {
      return { ...stats };
    },
  };
}
