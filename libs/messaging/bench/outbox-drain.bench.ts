// Outbox backlog drain after a broker outage, and steady relay throughput, on this machine.
// node --conditions=development bench/outbox-drain.bench.ts [rows=5000] [outageMs=5000]
// On a throwaway PostgreSQL (the embedded binaries). Bounded: two backlogs of `rows` rows.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { start } from '@rebound/kafka-dev';
import { openPostgres } from '@rebound/storage';
import { startPostgres } from '@rebound/testing';
import { logLevel } from 'kafkajs';
import { createKafka, createOutboxRelay, createProducer, OUTBOX_SQL, writeOutbox } from '../src/index.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const rows = Number(process.argv[2] ?? 5000);
const outageMs = Number(process.argv[3] ?? 5000);
const dataDir = await mkdtemp(join(tmpdir(), 'rebound-bench-'));
let broker = await start({ dataDir, port: 0, log: () => {} });
const port = broker.port;
const pg = await startPostgres();
const db = await openPostgres({ url: pg.url, schema: 'bench' });
await db.exec(OUTBOX_SQL);
const producer = createProducer(
  createKafka({ clientId: 'bench', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }),
);
const write = async (n: number, topic: string) => {
  for (let i = 0; i < n; i++)
    await db.transaction((tx) =>
      writeOutbox(tx, {
        id: randomUUID(),
        topic,
        key: `order-${i % 500}`,
        type: 'OrderConfirmed',
        payload: '{"orderId":"x"}',
      }),
    );
};

// 1. Steady state: backlog of `rows`, broker up.
await write(rows, 'bench.steady');
const relay = createOutboxRelay({ db, producer, pollIntervalMs: 50 });
let t0 = performance.now();
relay.start();
while ((await relay.backlog()).count > 0) await sleep(20);
const steadyMs = performance.now() - t0;

// 2. Outage: broker closed for `outageMs` while rows accumulate, then restarted on the same port and data dir.
await broker.close();
const outageStart = performance.now();
await write(rows, 'bench.outage');
const remaining = outageMs - (performance.now() - outageStart);
if (remaining > 0) await sleep(remaining);
broker = await start({ dataDir, port, log: () => {} });
t0 = performance.now();
let firstDrainAt: number | undefined;
while ((await relay.backlog()).count > 0) {
  if (firstDrainAt === undefined && (await relay.backlog()).count < rows) firstDrainAt = performance.now();
  await sleep(20);
}
const drainMs = performance.now() - t0;
const stats = relay.stats;
await relay.stop();
await producer.close();
await db.close();
await broker.close();
await rm(dataDir, { recursive: true, force: true });
await pg.stop();
const out = {
  engine: db.kind,
  rows,
  steadyRowsPerSecond: Math.round(rows / (steadyMs / 1000)),
  outageMs: Math.round(performance.now() - outageStart - drainMs),
  drainAfterRestartMs: Math.round(drainMs),
  waitBeforeFirstPublishMs: firstDrainAt === undefined ? null : Math.round(firstDrainAt - t0),
  failedRounds: stats.failures,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
