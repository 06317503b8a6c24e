import { type Database, openPGlite } from '@rebound/storage';
import { OUTBOX_SQL, PROCESSED_MESSAGES_SQL } from '../../src/index.ts';

/** An in-memory PGlite `orders` database with the outbox and processed-messages tables, as orders has them. */
export async function openOutboxDatabase(): Promise<Database> {
  const db = await openPGlite({ schema: 'orders' });
  await db.exec(OUTBOX_SQL);
  await db.exec(PROCESSED_MESSAGES_SQL);
  return db;
}
