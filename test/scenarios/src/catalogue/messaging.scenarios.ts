import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { counterRises, everythingReady } from '../scenario.conditions.ts';
import type { FaultContext, Scenario } from '../scenario.types.ts';
import { SHOPPERS, STEADY } from './catalogue.constants.ts';
import { adminCall, eachReplica } from './fault.hooks.ts';

const DLQ_CLI = join(import.meta.dirname, '..', '..', '..', '..', 'libs', 'messaging', 'src', 'dlq.cli.ts');

/** `dlq replay --topic orders.events`: the operator's fix after a poison event (libs/messaging). */
async function replayDeadLetters({ target }: FaultContext): Promise<void> {
  if (!target.kafkaAddress) throw new Error('the platform runs no kafka: nothing to replay');
  const child = spawn(
    process.execPath,
    [DLQ_CLI, 'replay', '--topic', 'orders.events', '--brokers', target.kafkaAddress],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`dlq replay exited ${code}: ${stderr.trim().slice(-300)}`);
}

const handlerFaults = (context: FaultContext, failing: boolean) =>
  eachReplica(context, 'notifications', (r) =>
    adminCall(context, r, 'POST', '/admin/handler-faults', { failing }),
  );

export const messagingScenarios: readonly Scenario[] = [
  {
    name: 'poison-event',
    mechanism: 'poison-event',
    proves:
      'events the consumer cannot handle go through the retry topics to the dead-letter topic without blocking the partition or checkout; DeadLetterQueueNotEmpty fires; after the fix a replay applies each exactly once',
    load: SHOPPERS,
    steady: STEADY,
    during: { minSuccessRatio: 0.98 },
    fault: {
      describe:
        'notifications’ handler fails every event (POST /admin/handler-faults {"failing":true}) for 20 s; then fixed and the dead letters replayed',
      inject: (context) => handlerFaults(context, true),
      clear: async (context) => {
        await handlerFaults(context, false);
        await replayDeadLetters(context);
      },
      confirm: counterRises('notifications', 'rebound_kafka_retries_total'),
      confirmWithinMs: 20_000,
      holdMs: 20_000,
    },
    detection: {
      signal: counterRises('notifications', 'rebound_kafka_dlq_messages_total'),
      withinMs: 30_000,
      alert: { name: 'DeadLetterQueueNotEmpty' },
      alertWithinMs: 45_000,
    },
    recovery: { condition: everythingReady(), withinMs: 30_000 },
  },
];
