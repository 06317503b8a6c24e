// CATALOG_ADDRS and ORDERS_ADDRS: the address-list contract every service shares (@rebound/service-defaults'
// addressList), so the gateway reaches a Kubernetes headless Service per pod the same way the services do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@rebound/service-defaults';
import { loadGatewayConfig } from '../src/config/gateway.config.ts';

describe('gateway config: address lists', () => {
  it('keeps one dns:///name:port as the string the rpc client re-resolves, and host:port lists as lists', () => {
    const config = loadGatewayConfig({
      CATALOG_ADDRS: 'dns:///catalog:50051',
      ORDERS_ADDRS: '127.0.0.1:7440,127.0.0.1:7441',
    });
    assert.equal(config.CATALOG_ADDRS, 'dns:///catalog:50051');
    assert.deepEqual(config.ORDERS_ADDRS, ['127.0.0.1:7440', '127.0.0.1:7441']);
  });

  it('falls back to the local topology when unset', () => {
    const config = loadGatewayConfig({});
    assert.deepEqual(config.CATALOG_ADDRS, ['127.0.0.1:7410', '127.0.0.1:7411']);
    assert.deepEqual(config.ORDERS_ADDRS, ['127.0.0.1:7440']);
  });

  for (const [value, why] of [
    ['dns:///nohostport', 'a dns target without a port'],
    ['dns:///catalog:50051,dns:///catalog-b:50051', 'two dns targets'],
    ['dns:///catalog:50051,127.0.0.1:7410', 'a dns target mixed into a list'],
    ['127.0.0.1:7410,catalog', 'a list entry without a port'],
  ] as const) {
    it(`refuses ${why} on one line naming the variable`, () => {
      assert.throws(
        () => loadGatewayConfig({ CATALOG_ADDRS: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.ok(!error.message.includes('\n'));
          assert.match(error.message, /^invalid configuration: CATALOG_ADDRS: .*dns:\/\/\/name:port/);
          assert.ok(error.message.endsWith(`(got ${JSON.stringify(value)})`), error.message);
          return true;
        },
      );
    });
  }
});
