import type { Database } from '@rebound/storage';
import { createProducer, type MessageProducer } from '../../src/index.ts';
import { startTestBroker, type TestBroker } from './broker.ts';
import { openOutboxDatabase } from './outbox-database.ts';

/** What an outbox suite works against: the dev broker, an outbox database and a producer on that broker. */
export interface OutboxFixture {
  readonly broker: TestBroker;
  readonly db: Database;
  readonly producer: MessageProducer;
  close(): Promise<void>;
}

export async function openOutboxFixture(clientId: string): Promise<OutboxFixture> {
  const broker = await startTestBroker();
  const db = await openOutboxDatabase();
  const producer = createProducer(broker.kafka(clientId));
  return {
    broker,
    db,
    producer,
    async close() {
      await producer.close();
      await db.close();
      await broker.dispose();
    },
  };
}
