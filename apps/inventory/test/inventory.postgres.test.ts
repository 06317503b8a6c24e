import { after } from 'node:test';
import { type PostgresServer, skipUnlessPostgres, startPostgres } from '@rebound/testing';
import { inventorySuite } from './support/inventory.suite.ts';

const skip = skipUnlessPostgres();
if (skip) {
  console.log(`# skipping the PostgreSQL suite: ${skip}`);
} else {
  let server: PostgresServer | undefined;
  after(async () => server?.stop());
  inventorySuite('PostgreSQL', async () => {
    server = await startPostgres();
    return { INVENTORY_DATABASE_URL: server.url };
  });
}
