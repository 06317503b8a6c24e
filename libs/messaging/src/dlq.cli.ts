#!/usr/bin/env node
// List or replay the dead letters of a topic: node libs/messaging/src/dlq.cli.ts list|replay --topic orders.events
import { parseArgs } from 'node:util';
import { logLevel } from 'kafkajs';
import { listDeadLetters, replayDeadLetters } from './dlq/dead-letters.admin.ts';
import { brokersFromEnv, createKafka } from './kafka.factory.ts';
import { createProducer } from './producer/message.producer.ts';

const HELP = `Usage: dlq list|replay --topic TOPIC [--brokers host:port,...] [--event-id ID]...

  list     print every record of TOPIC.dlq as one JSON line (reason, attempts, original offset, replayed)
  replay   publish dead letters back to TOPIC: all not yet replayed, or only --event-id ones
  --brokers defaults to KAFKA_BROKERS (then 127.0.0.1:9092)`;

function fail(message: string): never {
  process.stderr.write(`dlq: ${message}\n${HELP}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseArgs<{ options: typeof spec; allowPositionals: true; strict: true }>>;
const spec = {
  topic: { type: 'string' },
  brokers: { type: 'string' },
  'event-id': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;
try {
  parsed = parseArgs({ options: spec, allowPositionals: true, strict: true });
} catch (error) {
  fail((error as Error).message);
}
if (parsed.values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const [command] = parsed.positionals;
const topic = parsed.values.topic;
if (command !== 'list' && command !== 'replay') fail(`unknown command '${command ?? ''}'`);
if (!topic) fail('--topic is required');
const brokers = parsed.values.brokers
  ? brokersFromEnv({ KAFKA_BROKERS: parsed.values.brokers })
  : brokersFromEnv(process.env);
const kafka = createKafka({ clientId: 'rebound-dlq-cli', brokers, logLevel: logLevel.ERROR });

if (command === 'list') {
  for (const letter of await listDeadLetters(kafka, topic))
    process.stdout.write(`${JSON.stringify(letter)}\n`);
} else {
  const producer = createProducer(kafka);
  try {
    const eventIds = parsed.values['event-id'];
    const replayed = await replayDeadLetters(kafka, topic, { producer, ...(eventIds ? { eventIds } : {}) });
    for (const letter of replayed)
      process.stdout.write(`${JSON.stringify({ replayed: letter.eventId, offset: letter.offset })}\n`);
    process.stderr.write(`dlq: replayed ${replayed.length} record(s) to ${topic}\n`);
  } finally {
    await producer.close();
  }
}
