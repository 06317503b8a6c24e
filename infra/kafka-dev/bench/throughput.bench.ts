// Sustained produce/consume throughput and produce→consume latency of the development broker (child
// process, data on disk, default fsync policy, kafkajs with acks=-1), next to a loopback TCP echo of
// the same bytes, and the broker's memory for a client that sends 300 Fetch requests without reading.
// Bounded: every phase stops at its record count or its time budget.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@rebound/testing';
import { Kafka, logLevel } from 'kafkajs';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const RECORD = 1024;
const BATCH = 100;
const RECORDS = Number(process.env.BENCH_RECORDS ?? 50_000);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 1000);
const PHASE_BUDGET_MS = 25_000;
const payload = Buffer.alloc(RECORD, 'x');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

async function child(
  args: string[],
  ready: (line: string) => boolean,
): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk;
      const line = text.split('\n').find(ready);
      if (line) resolve({ proc, line });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', () => reject(new Error(`child exited: ${text}`)));
  });
}

async function echoBaseline() {
  const { proc, line } = await child([fileURLToPath(new URL('echo-server.ts', import.meta.url))], (l) =>
    /^\d+$/.test(l),
  );
  const socket = new Socket();
  socket.setNoDelay(true);
  await new Promise<void>((resolve) => socket.connect(Number(line), '127.0.0.1', resolve));
  // throughput: stream RECORDS × 1 KiB in batches of BATCH, count echoed bytes
  const total = RECORDS * RECORD;
  const chunk = Buffer.alloc(RECORD * BATCH, 'x');
  let received = 0;
  const started = performance.now();
  const done = new Promise<void>((resolve) =>
    socket.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= total) resolve();
    }),
  );
  for (let sent = 0; sent < total; sent += chunk.length)
    if (!socket.write(chunk)) await once(socket, 'drain');
  await done;
  const seconds = (performance.now() - started) / 1000;
  socket.removeAllListeners('data');
  // latency: one 1 KiB ping-pong at a time
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t = performance.now();
    let got = 0;
    await new Promise<void>((resolve) => {
      const onData = (c: Buffer) => {
        got += c.length;
        if (got >= RECORD) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(payload);
    });
    samples.push(performance.now() - t);
  }
  socket.destroy();
  proc.kill('SIGTERM');
  samples.sort((a, b) => a - b);
  return {
    recordsPerSec: RECORDS / seconds,
    mbPerSec: total / seconds / 1e6,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
  };
}

async function brokerFigures() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kafka-dev-bench-'));
  const port = await freePort();
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const { proc } = await child(
    ['--conditions=development', cli, '--port', String(port), '--data-dir', dataDir, '--metrics-port=off'],
    (l) => l.includes('listening on'),
  );
  const kafka = new Kafka({ clientId: 'bench', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: 'bench', numPartitions: 1 },
      { topic: 'latency', numPartitions: 1 },
    ],
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();

  // produce: kafkajs batches of BATCH records, acks=-1, 4 sends in flight
  let produced = 0;
  const produceStart = performance.now();
  const deadline = produceStart + PHASE_BUDGET_MS;
  const messages = Array.from({ length: BATCH }, () => ({ value: payload }));
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (produced < RECORDS && performance.now() < deadline) {
        produced += BATCH;
        await producer.send({ topic: 'bench', acks: -1, messages });
      }
    }),
  );
  const produceSeconds = (performance.now() - produceStart) / 1000;

  // consume: everything from the beginning
  const consumer = kafka.consumer({
    groupId: 'bench',
    maxWaitTimeInMs: 100,
    maxBytes: 10 * 1024 * 1024,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: ['bench', 'latency'], fromBeginning: true });
  let consumed = 0;
  let consumeStart = 0;
  let allConsumed: () => void = () => {};
  const consumedAll = new Promise<void>((resolve) => {
    allConsumed = resolve;
  });
  const latencyWaiters = new Map<string, () => void>();
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      if (batch.topic === 'latency') {
        for (const m of batch.messages) latencyWaiters.get(m.value!.toString().slice(0, 12))?.();
        return;
      }
      if (consumeStart === 0) consumeStart = performance.now();
      consumed += batch.messages.length;
      if (consumed >= produced) allConsumed();
    },
  });
  const consumeTimer = setTimeout(allConsumed, PHASE_BUDGET_MS);
  await consumedAll;
  clearTimeout(consumeTimer);
  const consumeSeconds = (performance.now() - consumeStart) / 1000;

  // latency: one record at a time, produce → delivered to the running consumer
  const samples: number[] = [];
  const latencyDeadline = performance.now() + PHASE_BUDGET_MS;
  for (let i = 0; i < LATENCY_SAMPLES && performance.now() < latencyDeadline; i++) {
    const id = String(i).padStart(12, '0');
    const t = performance.now();
    const arrived = new Promise<void>((resolve) => latencyWaiters.set(id, resolve));
    await producer.send({
      topic: 'latency',
      acks: -1,
      messages: [{ value: Buffer.concat([Buffer.from(id), payload.subarray(12)]) }],
    });
    await arrived;
    latencyWaiters.delete(id);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  await consumer.disconnect();
  await producer.disconnect();
  const unread = await unreadFetches(proc.pid!, port);
  proc.kill('SIGTERM');
  await once(proc, 'exit');
  rmSync(dataDir, { recursive: true, force: true });
  return {
    produce: {
      records: produced,
      recordsPerSec: produced / produceSeconds,
      mbPerSec: (produced * RECORD) / produceSeconds / 1e6,
    },
    consume: {
      records: consumed,
      recordsPerSec: consumed / consumeSeconds,
      mbPerSec: (consumed * RECORD) / consumeSeconds / 1e6,
    },
    latency: { samples: samples.length, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) },
    unread,
  };
}

/** The broker's resident set (Linux /proc), in MB. */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : Number.NaN;
}

/**
 * Memory held for a client that writes 300 Fetch requests (1 MiB each) and reads nothing: the broker's RSS
 * before, once it stopped serving that connection (2 s), and 2 s after the connection closed.
 */
async function unreadFetches(pid: number, port: number) {
  const before = rssMb(pid);
  const socket = new Socket();
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  socket.pause();
  const name = Buffer.from('bench');
  const frames = Array.from({ length: 300 }, (_, id) => {
    const body = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 2 + name.length + 4 + 4 + 8 + 4);
    let o = body.writeInt32BE(-1, 0);
    o = body.writeInt32BE(0, o);
    o = body.writeInt32BE(0, o);
    o = body.writeInt32BE(1 << 20, o);
    o = body.writeInt8(0, o);
    o = body.writeInt32BE(1, o);
    o = body.writeInt16BE(name.length, o);
    o += name.copy(body, o);
    o = body.writeInt32BE(1, o);
    o = body.writeInt32BE(0, o);
    o = body.writeBigInt64BE(0n, o);
    body.writeInt32BE(1 << 20, o);
    const head = Buffer.alloc(14);
    head.writeInt32BE(10 + body.length, 0);
    head.writeInt16BE(1, 4);
    head.writeInt16BE(4, 6);
    head.writeInt32BE(id, 8);
    head.writeInt16BE(0, 12);
    return Buffer.concat([head, body]);
  });
  socket.write(Buffer.concat(frames));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const stalled = rssMb(pid);
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { rssBeforeMb: before, rssStalledMb: stalled, rssAfterCloseMb: rssMb(pid) };
}

const echo = await echoBaseline();
const broker = await brokerFigures();
const f = (n: number) => n.toFixed(n >= 100 ? 0 : 2);
process.stdout.write(
  [
    `kafka-dev benchmark: ${RECORD} B records, kafkajs batches of ${BATCH}, acks=-1, data on disk (fsync acks-all)`,
    `                      records/s      MB/s   p50 ms   p99 ms`,
    `broker produce     ${f(broker.produce.recordsPerSec).padStart(12)} ${f(broker.produce.mbPerSec).padStart(9)}`,
    `broker consume     ${f(broker.consume.recordsPerSec).padStart(12)} ${f(broker.consume.mbPerSec).padStart(9)}`,
    `broker produce→consume latency              ${f(broker.latency.p50Ms).padStart(8)} ${f(broker.latency.p99Ms).padStart(8)}`,
    `300 unread 1 MiB fetches: broker RSS ${f(broker.unread.rssBeforeMb)} MB before, ${f(broker.unread.rssStalledMb)} MB stalled, ${f(broker.unread.rssAfterCloseMb)} MB after close`,
    `tcp echo (ceiling) ${f(echo.recordsPerSec).padStart(12)} ${f(echo.mbPerSec).padStart(9)} ${f(echo.p50Ms).padStart(8)} ${f(echo.p99Ms).padStart(8)}`,
    JSON.stringify({ bench: 'kafka-dev', recordBytes: RECORD, batch: BATCH, broker, echo }),
    '',
  ].join('\n'),
);
