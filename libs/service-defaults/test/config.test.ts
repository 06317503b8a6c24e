import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { catalogV1 } from '@rebound/contracts';
import { createRpcClient } from '@rebound/rpc';
import {
  addressList,
  baseConfigSchema,
  CONFIG_ERROR_EXIT_CODE,
  ConfigError,
  loadConfig,
} from '@rebound/service-defaults';
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

describe('addressList', () => {
  const parse = (value: string) => addressList.safeParse(value);

  it('reads host:port lists as a list of fixed replicas', () => {
    assert.deepEqual(parse('127.0.0.1:7410, 127.0.0.1:7411').data, ['127.0.0.1:7410', '127.0.0.1:7411']);
    assert.deepEqual(parse('catalog:50051').data, ['catalog:50051']);
  });

  it('keeps one dns:///name:port as the string @rebound/rpc resolves again and again', () => {
    assert.equal(parse(' dns:///catalog:50051 ').data, 'dns:///catalog:50051');
    assert.equal(
      parse('dns:///catalog.rebound.svc.cluster.local:50051').data,
      'dns:///catalog.rebound.svc.cluster.local:50051',
    );
  });

  for (const [value, why] of [
    ['dns:///nohostport', 'no port'],
    ['dns:///catalog:', 'an empty port'],
    ['dns:///catalog:0', 'port 0'],
    ['dns:///catalog:99999', 'a port above 65535'],
    ['dns:///:50051', 'no name'],
    ['dns://10.96.0.10/catalog:50051', 'a DNS server authority'],
    ['dns:catalog:50051', 'no ///'],
    ['dns:///catalog:50051,dns:///catalog-b:50051', 'two dns targets'],
    ['dns:///catalog:50051,127.0.0.1:7410', 'a dns target first in a list'],
    ['127.0.0.1:7410,dns:///catalog:50051', 'a dns target later in a list'],
    ['127.0.0.1:70000', 'a host port above 65535'],
    ['catalog', 'a host without a port'],
    ['127.0.0.1:7410,,127.0.0.1:7411', 'an empty entry'],
    ['', 'nothing'],
  ] as const) {
    it(`refuses ${why} (${JSON.stringify(value)})`, () => {
      const result = parse(value);
      assert.equal(result.success, false, JSON.stringify(result.data));
    });
  }

  it('says on one line which variable is wrong and what a dns target looks like', () => {
    const schema = baseConfigSchema.extend({ CATALOG_ADDRS: addressList, ORDERS_ADDRS: addressList });
    assert.throws(
      () =>
        loadConfig(schema, {
          CATALOG_ADDRS: 'dns:///nohostport',
          ORDERS_ADDRS: 'dns:///orders:50051,127.0.0.1:1',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(
          error.message,
          'invalid configuration: CATALOG_ADDRS: expected dns:///name:port (port 1-65535) (got "dns:///nohostport"); ' +
            'ORDERS_ADDRS: a dns:/// target stands alone: expected one dns:///name:port ' +
            '(got "dns:///orders:50051,127.0.0.1:1")',
        );
        return true;
      },
    );
  });

  it('says what it expects when the variable is missing', () => {
    assert.throws(
      () => loadConfig(baseConfigSchema.extend({ INVENTORY_ADDRS: addressList }), {}),
      /^ConfigError: invalid configuration: INVENTORY_ADDRS: expected host:port\[,host:port\.\.\.\] or one dns:\/\/\/name:port \(missing\)$/,
    );
  });

  it('gives createRpcClient a target it resolves per address: the dns name becomes IPs, a list stays as is', async () => {
    const definition = catalogV1.CatalogServiceService;
    const dns = createRpcClient(definition, { target: addressList.parse('dns:///localhost:1') });
    const list = createRpcClient(definition, { target: addressList.parse('127.0.0.1:1,127.0.0.1:2') });
    try {
      await Promise.all([dns.$rpc.ready, list.$rpc.ready]);
      const resolved = dns.$rpc.pool.endpoints.map((endpoint) => endpoint.address);
      assert.ok(resolved.length > 0, 'localhost resolved to no address');
      for (const address of resolved) assert.match(address, /^(127\.0\.0\.1|\[::1\]):1$/);
      assert.deepEqual(
        list.$rpc.pool.endpoints.map((endpoint) => endpoint.address),
        ['127.0.0.1:1', '127.0.0.1:2'],
      );
    } finally {
      dns.$rpc.close();
      list.$rpc.close();
    }
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
