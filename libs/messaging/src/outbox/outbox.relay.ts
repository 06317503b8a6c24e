import type { Clock, Random, TimerHandle } from '@rebound/resilience';
import { systemClock, systemRandom } from '@rebound/resilience';
import type { Database, Queryable } from '@rebound/storage';
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

const SELECT_UNSENT = `SELECT id, event_id, topic, message_key, event_type, payload, headers
FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1`;

/**
 * Publishes outbox rows in id order and marks them sent, at least once.
 *
 * Two relays (two replicas) are safe on PostgreSQL: each round runs in a transaction that first takes
 * `pg_try_advisory_xact_lock` on the relay's lock; a replica that does not get it skips the round. So rounds
 * never overlap and per-key order holds (plain `FOR UPDATE SKIP LOCKED` would let a second relay publish a
 * later row of a key whose earlier row the first relay still holds).
 *
 * A crash between publish and mark re-publishes that batch on restart: consumers dedupe by event id.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, producer } = options;
  const batchSize = options.batchSize ?? DEFAULT_RELAY_BATCH_SIZE;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_RELAY_POLL_MS;
  const baseMs = options.backoffBaseMs ?? DEFAULT_RELAY_BACKOFF_BASE_MS;
  const maxMs = options.backoffMaxMs ?? DEFAULT_RELAY_BACKOFF_MAX_MS;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;

  let running = false;
  let timer: TimerHandle | undefined;
  let current: Promise<void> | undefined;
  let waitingPoll = false;
  const stats = { rounds: 0, published: 0, failures: 0, consecutiveFailures: 0, lastDelayMs: 0 };

  const publishAndMark = async (q: Queryable): Promise<number> => {
    const { rows } = await q.query<OutboxRow>(SELECT_UNSENT, [batchSize]);
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const row of rows) {
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
    await q.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    return rows.length;
  };

  const lockedRound = (): Promise<number> => {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext('rebound_outbox_relay')) AS locked",
      );
      if (!rows[0]?.locked) return 0;
      return publishAndMark(tx);
    });
  };

  const runOnce = async (): Promise<number> => {
    try {
      const count = await lockedRound();
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

  const round = async (): Promise<void> => {
    let delay: number;
    stats.rounds++;
    try {
      const count = await runOnce();
      stats.consecutiveFailures = 0;
      delay = count >= batchSize ? 0 : pollIntervalMs;
    } catch (error) {
      stats.consecutiveFailures++;
      delay = backoff(stats.consecutiveFailures);
      options.onError?.(error, stats.consecutiveFailures, delay);
    }
    stats.lastDelayMs = delay;
    if (running) schedule(delay);
  };

  const schedule = (delayMs: number): void => {
    waitingPoll = stats.consecutiveFailures === 0;
    timer = clock.setTimer(() => {
      timer = undefined;
      current = round();
    }, delayMs);
  };

  return {
    start() {
      if (running) return;
      running = true;
      current = round();
    },
    async stop() {
      running = false;
      timer?.cancel();
      timer = undefined;
      await current;
    },
    wake() {
      if (!running || !timer || !waitingPoll) return;
      timer.cancel();
      timer = undefined;
      current = round();
    },
    runOnce,
    async backlog() {
      const { rows } = await db.query<{ count: number; age: number | null }>(
        `SELECT count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
         FROM outbox WHERE sent_at IS NULL`,
      );
      return { count: rows[0]?.count ?? 0, oldestAgeSeconds: Math.max(0, rows[0]?.age ?? 0) };
    },
    get stats() {
      return { ...stats };
    },
  };
}
