import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, start } from '@rebound/kafka-dev';
import { freePort } from '@rebound/testing';
import { type Kafka, logLevel } from 'kafkajs';
import { createKafka } from '../../src/index.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** The dev broker in this process on a free port, persisted in a temp dir so it can be restarted. */
export interface TestBroker {
  readonly broker: RunningBroker;
  readonly port: number;
  readonly bootstrap: string;
  /** Closes the broker (an outage); `restart()` brings it back on the same port and data dir. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  kafka(clientId: string): Kafka;
  dispose(): Promise<void>;
}

export async function startTestBroker(): Promise<TestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rebound-messaging-'));
  const options = { dataDir, log: () => {} };
  // Not port 0: an ephemeral port could be taken by a client socket while the broker is down for a restart.
  let broker: RunningBroker | undefined = await start({ ...options, port: await freePort() });
  const port = broker.port;
  const bootstrap = broker.bootstrap;
  return {
    get broker() {
      return broker!;
    },
    port,
    bootstrap,
    async stop() {
      await broker?.close();
      broker = undefined;
    },
    async restart() {
      broker = await start({ ...options, port });
    },
    kafka: (clientId) => createKafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING }),
    async dispose() {
      await broker?.close();
      broker = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ReadRecord {
  readonly key: string;
  readonly value: string;
  readonly offset: number;
  readonly headers: Record<string, string>;
}

/** Reads a topic from the beginning with a throwaway group until `count` records arrived (or times out). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ReadRecord[]> {
  const { readHeaders } = await import('../../src/index.ts');
  const consumer = kafka.consumer({
    groupId: `reader-${Math.random().toString(36).slice(2)}`,
    sessionTimeout: 6_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length}/${count} records of ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            records.push({
              key: message.key?.toString() ?? '',
              value: message.value?.toString() ?? '',
              offset: Number(message.offset),
              headers: readHeaders(message.headers),
            });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
