import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '@rebound/resilience';
import { FakeClock, flushMicrotasks } from '@rebound/resilience/testing';
import type { Database } from '@rebound/storage';
import { createOutboxRelay, type MessageProducer, PublishError } from '../src/index.ts';

/**
 * A database holding `unsent` outbox rows in memory (only the relay's two statements: the poll's look and the
 * claim, whose rows count as sent once its transaction commits), counting the statements and transactions.
 */
function fakeDb(unsent: number): Database & {
  unsent: number;
  statements: number;
  transactions: number;
  lockedElsewhere: boolean;
} {
  let claimed = 0;
  const db = {
    kind: 'postgres' as const,
    schema: 'test',
    unsent,
    statements: 0,
    transactions: 0,
    lockedElsewhere: false,
    async query(sql: string, params?: readonly unknown[]) {
      db.statements++;
      if (sql.startsWith('SELECT EXISTS'))
        return { rows: [{ pending: db.unsent > 0 }], rowCount: 1 } as never;
      if (sql.includes('pg_try_advisory_xact_lock')) {
        if (db.lockedElsewhere) return { rows: [{ locked: false, id: null }], rowCount: 0 } as never;
        const limit = Number(params?.[0]);
        const rows = Array.from({ length: Math.min(limit, db.unsent) }, (_, i) => ({
          locked: true,
          id: i + 1,
          event_id: `e-${i}`,
          topic: 't',
          message_key: 'k',
          event_type: 'T',
          payload: '{}',
          headers: {},
        }));
        claimed = rows.length;
        return {
          rows: rows.length > 0 ? rows : [{ locked: true, id: null }],
          rowCount: rows.length,
        } as never;
      }
      throw new Error(`unexpected SQL ${sql}`);
    },
    exec: async () => {},
    // The round's statements run on the database itself; BEGIN and COMMIT count as two statements.
    async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
      db.transactions++;
      db.statements += 2;
      claimed = 0;
      const result = await fn(db as Database); // a throw is a rollback: the claimed rows stay unsent
      db.unsent -= claimed;
      return result;
    },
    ping: async () => {},
    close: async () => {},
  };
  return db;
}

function fakeProducer(): MessageProducer & { down: boolean; sent: number } {
  const producer = {
    down: true,
    sent: 0,
    status: 'connected' as const,
    connect: async () => {},
    async send(batch: ReadonlyArray<{ topic: string; messages: readonly unknown[] }>) {
      if (producer.down) throw new PublishError(['t'], new Error('Connection error: ECONNREFUSED'));
      for (const entry of batch) producer.sent += entry.messages.length;
    },
    close: async () => {},
    unwrap: () => {
      throw new Error('no kafkajs producer');
    },
  };
  return producer;
}

describe('outbox relay loop (fake clock, fake producer)', () => {
  it('caps the backoff, resets it after a success, and runs only when its timer fires', async () => {
    const clock = new FakeClock();
    const db = fakeDb(250);
    const producer = fakeProducer();
    const delays: number[] = [];
    const relay = createOutboxRelay({
      db,
      producer,
      clock,
      random: seededRandom(1),
      batchSize: 100,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      onError: (_e, _n, delay) => delays.push(delay),
    });
    relay.start();
    await flushMicrotasks();
    for (let i = 0; i < 8; i++) {
      assert.equal(clock.pendingTimers, 1);
      await clock.tick(clock.nextDue! - clock.now());
      await flushMicrotasks();
    }
    assert.equal(relay.stats.rounds, 9);
    assert.equal(delays.length, 9);
    assert.ok(
      delays.slice(4).every((d) => d >= 500 && d <= 1_000),
      `capped: ${delays.join(', ')}`,
    );
    for (let i = 0; i < 4; i++) assert.ok(delays[i]! <= 100 * 2 ** i && delays[i]! >= 50 * 2 ** i);

    producer.down = false;
    relay.wake(); // no effect while backing off: an outage is not cut short
    await flushMicrotasks();
    assert.equal(relay.stats.rounds, 9);
    await clock.tick(clock.nextDue! - clock.now());
    // Full batches follow each other at once (delay 0) until the backlog is gone, then the poll interval.
    for (let i = 0; i < 5 && db.unsent > 0; i++) await clock.tick(0);
    await flushMicrotasks();
    assert.equal(db.unsent, 0);
    assert.equal(producer.sent, 250);
    assert.equal(relay.stats.consecutiveFailures, 0);
    assert.equal(relay.stats.lastDelayMs, 500);

    relay.wake(); // during a poll wait it runs at once
    await flushMicrotasks();
    assert.equal(relay.stats.rounds, 13); // 9 failed, 100 + 100 + 50 rows, then the woken one
    await relay.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  it('polls an idle outbox with one statement, and wakes within wakeDelayMs share one round', async () => {
    const clock = new FakeClock();
    const db = fakeDb(0);
    const producer = fakeProducer();
    producer.down = false;
    const relay = createOutboxRelay({ db, producer, clock, pollIntervalMs: 200, wakeDelayMs: 20 });
    relay.start(); // the first round is a full one (BEGIN, claim, COMMIT)
    await flushMicrotasks();
    assert.deepEqual([db.statements, db.transactions], [3, 1]);
    for (let i = 0; i < 5; i++) await clock.tick(200);
    await flushMicrotasks();
    assert.deepEqual([db.statements, db.transactions], [8, 1], 'five idle polls, one look each');

    db.unsent = 3; // three commits, each waking the relay
    for (let i = 0; i < 3; i++) {
      relay.wake();
      await clock.tick(5);
    }
    assert.equal(producer.sent, 0, 'nothing before the wake delay is out');
    await clock.tick(5);
    await flushMicrotasks();
    assert.deepEqual([producer.sent, db.unsent, db.transactions], [3, 0, 2], 'one round for the three');

    // Woken while another relay holds the lock: it tries again after the wake delay, not a poll interval.
    db.unsent = 1;
    db.lockedElsewhere = true;
    relay.wake();
    await clock.tick(20);
    await flushMicrotasks();
    assert.deepEqual([producer.sent, db.transactions], [3, 3]);
    db.lockedElsewhere = false;
    await clock.tick(20);
    await flushMicrotasks();
    assert.deepEqual([producer.sent, db.unsent, db.transactions], [4, 0, 4]);
    assert.equal(relay.stats.lastDelayMs, 200);
    await relay.stop();
    assert.equal(clock.pendingTimers, 0);
  });
});
