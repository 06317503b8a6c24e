import { type Database, openPostgres } from '@rebound/storage';
import { serviceDatabaseUrl } from '@rebound/testing';
import { OUTBOX_SQL, PROCESSED_MESSAGES_SQL } from '../../src/index.ts';

/**
 * A fresh `orders` database on this test process's embedded PostgreSQL, with the outbox and processed-messages
 * tables, as orders has them.
 */
export async function openOutboxDatabase(): Promise<Database> {
  const db = await openPostgres({ url: await serviceDatabaseUrl('orders'), schema: 'orders' });
  await db.exec(OUTBOX_SQL);
  await db.exec(PROCESSED_MESSAGES_SQL);
  return db;
}
