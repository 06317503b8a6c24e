import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { orderByDependencies, type ProcessSpec, platformTopology, resolveTopology } from '../src/index.ts';

const options = { rootDir: '/nowhere', dataDir: '.data', basePort: 7400 };

function byName(specs: ProcessSpec[], name: string): ProcessSpec {
  const spec = specs.find((s) => s.name === name);
  assert.ok(spec, `${name} in the topology`);
  return spec;
}

describe('platform topology', () => {
  it('allocates stable ports from the base port: 2 catalog and 2 payments replicas', () => {
    const specs = resolveTopology(platformTopology, options);
    const catalog = byName(specs, 'catalog');
    assert.deepEqual(
      catalog.replicas.map((r) => [r.name, r.port, r.adminPort]),
      [
        ['catalog-0', 7410, 7415],
        ['catalog-1', 7411, 7416],
      ],
    );
    assert.equal(byName(specs, 'payments').replicas.length, 2);
    assert.equal(byName(specs, 'gateway').url, 'http://127.0.0.1:7460');
    assert.equal(byName(specs, 'kafka').replicas[0]?.port, 7400);
  });

  it('hands every service the endpoints files of its peers and its own ports and data dir', () => {
    const specs = resolveTopology(platformTopology, { ...options, replicas: { catalog: 3 } });
    const env = byName(specs, 'gateway').replicas[0]?.env ?? {};
    // The supervisor keeps these files (src/endpoints.file.ts) so a rollout moves traffic.
    assert.equal(env.CATALOG_ADDRS, 'file:///nowhere/.data/local/endpoints/catalog');
    assert.equal(env.PAYMENTS_ADDRS, 'file:///nowhere/.data/local/endpoints/payments');
    assert.equal(env.KAFKA_BROKERS, '127.0.0.1:7400');
    assert.equal(env.HTTP_PORT, '7461', 'the gateway replicas serve behind the front on 7460');
    assert.equal(env.ADMIN_PORT, '7465');
    assert.equal(env.DATA_DIR, '/nowhere/.data/gateway-0');
    const payments = byName(specs, 'payments').replicas[1]?.env ?? {};
    assert.equal(payments.GRPC_PORT, '7431');
    assert.equal(payments.SERVICE_INSTANCE, 'payments-1');
    // One degradation directory per service, the same for each of its replicas and its spares (flags agree).
    const gateway = byName(specs, 'gateway');
    for (const replica of [...gateway.replicas, ...(gateway.spares ?? [])]) {
      assert.equal(replica.env.DEGRADATION_DIR, '/nowhere/.data/degradation/gateway');
    }
    assert.equal(payments.DEGRADATION_DIR, '/nowhere/.data/degradation/payments');
  });

  it('an entry not run (--only) is given as its static address list; spare indices are specs of the same block', () => {
    const specs = resolveTopology(platformTopology, { ...options, only: ['gateway'] });
    const env = byName(specs, 'gateway').replicas[0]?.env ?? {};
    assert.equal(env.CATALOG_ADDRS, '127.0.0.1:7410,127.0.0.1:7411');
    const catalog = byName(resolveTopology(platformTopology, options), 'catalog');
    assert.deepEqual(
      catalog.spares?.map((r) => [r.name, r.port, r.adminPort, r.env.SERVICE_INSTANCE]),
      [
        ['catalog-2', 7412, 7417, 'catalog-2'],
        ['catalog-3', 7413, 7418, 'catalog-3'],
        ['catalog-4', 7414, 7419, 'catalog-4'],
      ],
    );
  });

  it("gives each database service a URL to its own database and role on postgres-0, and no one else's", () => {
    const specs = resolveTopology(platformTopology, { ...options, secret: (name) => `secret/${name}` });
    const urls = Object.fromEntries(
      specs.flatMap((spec) =>
        spec.replicas.map((replica) => [
          replica.name,
          Object.entries(replica.env).filter(([key]) => key.endsWith('DATABASE_URL')),
        ]),
      ),
    );
    const own = (service: string) => [
      [
        `${service.toUpperCase()}_DATABASE_URL`,
        `postgres://${service}:secret%2Fpostgres.role.${service}@127.0.0.1:7470/${service}`,
      ],
    ];
    assert.deepEqual(urls['orders-0'], own('orders'));
    assert.deepEqual(urls['inventory-0'], own('inventory'));
    assert.deepEqual(urls['payments-0'], own('payments'));
    assert.deepEqual(urls['payments-1'], own('payments'));
    assert.deepEqual(urls['notifications-0'], own('notifications'));
    assert.deepEqual(urls['catalog-0'], []);
    assert.deepEqual(urls['gateway-0'], []);
    // 7470 is the read-write endpoint (the services' URLs); the instances serve behind it on 7471 and 7472.
    const entry = byName(specs, 'postgres');
    assert.deepEqual(entry.front, { port: 7470, followsPrimary: true });
    assert.deepEqual(
      entry.replicas.map((r) => [r.name, r.port, r.adminPort]),
      [
        ['postgres-0', 7471, 7475],
        ['postgres-1', 7472, 7476],
      ],
    );
    const postgres = entry.replicas[0];
    assert.deepEqual(postgres?.args.slice(-14), [
      '--name',
      'postgres-0',
      '--port',
      '7471',
      '--admin-port',
      '7475',
      '--data-dir',
      '/nowhere/.data/postgres-0',
      '--cluster-dir',
      '/nowhere/.data/postgres',
      '--backup-dir',
      '/nowhere/.data/backups',
      '--databases',
      'orders,inventory,payments,notifications',
    ]);
    assert.deepEqual(JSON.parse(postgres?.env.POSTGRES_ROLE_PASSWORDS ?? '{}'), {
      orders: 'secret/postgres.role.orders',
      inventory: 'secret/postgres.role.inventory',
      payments: 'secret/postgres.role.payments',
      notifications: 'secret/postgres.role.notifications',
    });
    assert.equal(postgres?.probes.readiness?.kind === 'http' && postgres.probes.readiness.path, '/readyz');
  });

  it('draws a fresh random password per role on every resolution, shared by server and services', () => {
    const passwords = () => {
      const specs = resolveTopology(platformTopology, options);
      const server = JSON.parse(byName(specs, 'postgres').replicas[0]?.env.POSTGRES_ROLE_PASSWORDS ?? '{}');
      const url = new URL(byName(specs, 'orders').replicas[0]?.env.ORDERS_DATABASE_URL ?? '');
      assert.equal(decodeURIComponent(url.password), server.orders);
      return server as Record<string, string>;
    };
    const first = passwords();
    assert.equal(new Set(Object.values(first)).size, 4, 'one password per role');
    assert.notEqual(passwords().orders, first.orders);
  });

  it('runs two replicas of every service by default, the gateway behind a front', () => {
    const specs = resolveTopology(platformTopology, options);
    for (const name of ['catalog', 'inventory', 'payments', 'orders', 'notifications', 'gateway']) {
      assert.equal(byName(specs, name).replicas.length, 2, name);
    }
    const gateway = byName(specs, 'gateway');
    assert.deepEqual(gateway.front, { port: 7460 });
    assert.equal(gateway.url, 'http://127.0.0.1:7460');
    assert.deepEqual(
      gateway.replicas.map((r) => [r.name, r.port, r.adminPort]),
      [
        ['gateway-0', 7461, 7465],
        ['gateway-1', 7462, 7466],
      ],
    );
    assert.throws(
      () => resolveTopology(platformTopology, { ...options, replicas: { gateway: 5 } }),
      /gateway: replicas must be 1\.\.4/,
    );
  });

  it('probes services on their admin port with startup gating and the broker over TCP', () => {
    const specs = resolveTopology(platformTopology, options);
    const orders = byName(specs, 'orders').replicas[0]?.probes;
    assert.deepEqual(
      [orders?.startup?.kind, orders?.startup?.port, orders?.startup?.kind === 'http' && orders.startup.path],
      ['http', 7445, '/startupz'],
    );
    assert.equal(orders?.liveness?.kind === 'http' && orders.liveness.path, '/livez');
    assert.equal(orders?.readiness?.kind === 'http' && orders.readiness.path, '/readyz');
    assert.equal(byName(specs, 'kafka').replicas[0]?.probes.liveness?.kind, 'tcp');
    assert.deepEqual(byName(specs, 'kafka').replicas[0]?.args.slice(-8), [
      '--port',
      '7400',
      '--data-dir',
      '/nowhere/.data/kafka-0',
      '--metrics-port',
      '7405',
      '--partitions',
      '4',
    ]);
  });

  it('orders processes so that data stores start first, and never holds a service back for another', () => {
    const specs = resolveTopology(platformTopology, options);
    const names = orderByDependencies(specs).map((s) => s.name);
    for (const [before, after] of [
      ['postgres', 'inventory'],
      ['postgres', 'payments'],
      ['postgres', 'notifications'],
      ['postgres', 'orders'],
      ['kafka', 'orders'],
      ['kafka', 'notifications'],
    ]) {
      assert.ok(names.indexOf(before ?? '') < names.indexOf(after ?? ''), `${before} before ${after}`);
    }
    const services = ['catalog', 'inventory', 'payments', 'orders', 'notifications', 'gateway'];
    for (const service of services) {
      const waitsFor = byName(specs, service).dependsOn.filter((name) => services.includes(name));
      assert.deepEqual(waitsFor, [], `${service} waits for no other service`);
    }
  });

  it('says which entries are coming, not built, or present', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rebound-topology-'));
    try {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(root, 'apps/catalog/dist'), { recursive: true });
      await writeFile(join(root, 'apps/catalog/package.json'), '{}');
      await writeFile(join(root, 'apps/catalog/dist/main.js'), '');
      await mkdir(join(root, 'apps/orders'), { recursive: true });
      await writeFile(join(root, 'apps/orders/package.json'), '{}');
      const specs = resolveTopology(platformTopology, { ...options, rootDir: root });
      assert.deepEqual(byName(specs, 'catalog').availability, { present: true });
      assert.match(
        String((byName(specs, 'orders').availability as { reason: string }).reason),
        /^not built yet .*pnpm build/,
      );
      assert.match(String((byName(specs, 'gateway').availability as { reason: string }).reason), /^coming/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('keeps only the entries asked for with --only', () => {
    const specs = resolveTopology(platformTopology, { ...options, only: ['gateway', 'catalog'] });
    assert.deepEqual(
      specs.map((s) => s.name),
      ['catalog', 'gateway'],
    );
    assert.deepEqual(byName(specs, 'gateway').dependsOn, []);
  });

  it('rejects unknown names, bad replica counts and dependency cycles', () => {
    assert.throws(
      () => resolveTopology(platformTopology, { ...options, replicas: { nope: 2 } }),
      /unknown process 'nope'/,
    );
    assert.throws(
      () => resolveTopology(platformTopology, { ...options, only: ['nope'] }),
      /unknown process 'nope'/,
    );
    assert.throws(
      () => resolveTopology(platformTopology, { ...options, replicas: { catalog: 6 } }),
      /1\.\.5/,
    );
    const [a, b] = resolveTopology(platformTopology, options);
    assert.ok(a && b);
    assert.throws(
      () =>
        orderByDependencies([
          { ...a, dependsOn: [b.name] },
          { ...b, dependsOn: [a.name] },
        ]),
      /dependency cycle/,
    );
  });

  it('skips an entry whose system binary is not installed, saying which package has it', () => {
    const entry = byName(resolveTopology(platformTopology, options), 'prometheus');
    assert.deepEqual(entry.replicas[0]?.port, 7480);
    const missing = resolveTopology(
      {
        processes: [
          {
            ...(platformTopology.processes.find((p) => p.name === 'prometheus') ??
              assert.fail('prometheus entry')),
            requires: { binary: 'rebound-no-such-binary', debianPackage: 'rebound-none' },
          },
        ],
      },
      options,
    );
    assert.deepEqual(missing[0]?.availability, {
      present: false,
      reason: 'rebound-no-such-binary not installed (apt-get install -y rebound-none)',
    });
  });
});
