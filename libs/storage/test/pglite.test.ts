import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase, openPGlite } from '../src/index.ts';
import { databaseSuite } from './support/database.suite.ts';

databaseSuite('PGlite (in memory)', (schema) => openPGlite({ schema }));

describe('PGlite on disk', () => {
  it('is the default without DATABASE_URL and keeps data across a reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rebound-pglite-'));
    try {
      const dataDir = join(dir, 'orders');
      const first = await openDatabase({ schema: 'orders', dataDir, env: {} });
      assert.equal(first.kind, 'pglite');
      await first.exec('CREATE TABLE notes (body text)');
      await first.query('INSERT INTO notes VALUES ($1)', ['kept']);
      await first.close();
      await first.close();

      const second = await openDatabase({ schema: 'orders', dataDir, env: {} });
      assert.deepEqual((await second.query('SELECT body FROM notes')).rows, [{ body: 'kept' }]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
