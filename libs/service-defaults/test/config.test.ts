import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { baseConfigSchema, CONFIG_ERROR_EXIT_CODE, ConfigError, loadConfig } from '@rebound/service-defaults';
import { fixtureScript } from './support.ts';

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig(baseConfigSchema, { GRPC_PORT: '7410' });
    assert.equal(config.GRPC_PORT, 7410);
    assert.equal(config.HOST, '127.0.0.1');
    assert.equal(config.ADMIN_TOKEN, 'rebound-local-admin');
  });

  it('names every bad variable and its value on one line', () => {
    assert.throws(
      () => loadConfig(baseConfigSchema, { GRPC_PORT: '99999', LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /^invalid configuration: GRPC_PORT: .*\(got "99999"\); LOG_LEVEL: .*\(got "loud"\)$/,
        );
        assert.ok(!error.message.includes('\n'));
        return true;
      },
    );
  });
});

describe('a service with a bad value in its environment', () => {
  it('stops with one clear line and exit code 78', async () => {
    const child = spawn(process.execPath, ['--conditions=development', fixtureScript], {
      env: { PATH: process.env.PATH ?? '', ADMIN_PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code] = await once(child, 'exit');
    assert.equal(code, CONFIG_ERROR_EXIT_CODE);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /^fixture: invalid configuration: ADMIN_PORT: .*"not-a-port"/);
  });
});
