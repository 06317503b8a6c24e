import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerOptions, type RunningBroker, start } from '../../src/index.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** A broker on 127.0.0.1:0 whose log lines are collected (not printed) unless KAFKA_DEV_VERBOSE is set. */
export async function testBroker(options: BrokerOptions = {}): Promise<RunningBroker & { lines: string[] }> {
  const lines: string[] = [];
  const broker = await start({
    port: 0,
    inMemory: !options.dataDir,
    log: (line) => {
      lines.push(line);
      if (process.env.KAFKA_DEV_VERBOSE) process.stderr.write(`[broker] ${line}\n`);
    },
    ...options,
  });
  return Object.assign(broker, { lines });
}

export function tempDir(prefix = 'kafka-dev-'): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** A kafkajs client pointed at the broker, quiet unless KAFKA_DEV_VERBOSE is set. */
export function client(bootstrap: string, clientId = 'test'): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: process.env.KAFKA_DEV_VERBOSE ? logLevel.INFO : logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 50, maxRetryTime: 1000 },
  });
}

/** Consumer settings from the wire note's test plan: short but valid session timeouts. */
export const FAST_CONSUMER = {
  sessionTimeout: 6000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 500,
  rebalanceTimeout: 10000,
} as const;

let counter = 0;
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}
