import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_ERROR_EXIT_CODE } from '@rebound/service-defaults';
import { serviceDatabaseUrl, startServiceProcess } from '@rebound/testing';
import pg from 'pg';

const script = fileURLToPath(new URL('./fixtures/database.main.ts', import.meta.url));
const nodeArgs = ['--conditions=development'];

describe('DatabaseModule: the service database', () => {
  it('stops a service started without its database URL, with one configuration line', async () => {
    const service = await startServiceProcess({
      script,
      nodeArgs,
      env: { SERVICE_NAME: 'ledger', LEDGER_DATABASE_URL: '' },
      waitReady: false,
    });
    assert.equal(await service.exited, CONFIG_ERROR_EXIT_CODE);
    assert.deepEqual(service.output().trim().split('\n'), [
      "ledger: invalid configuration: LEDGER_DATABASE_URL: required, the URL of the ledger service's own " +
        'PostgreSQL database (postgres://ledger:<password>@<host>:5432/ledger; npm start sets it), or DATABASE_URL',
    ]);
  });

  it('migrates the database named by <SCHEMA>_DATABASE_URL before the service is ready', async () => {
    const url = await serviceDatabaseUrl('ledger');
    await using _service = await startServiceProcess({
      script,
      nodeArgs,
      env: { SERVICE_NAME: 'ledger', LEDGER_DATABASE_URL: url },
    });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT version, name FROM ledger.schema_migrations');
      assert.deepEqual(rows, [{ version: 1, name: '0001_create_entries.sql' }]);
    } finally {
      await client.end();
    }
  });
});
