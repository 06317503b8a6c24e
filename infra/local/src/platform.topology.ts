import { monitoringFiles } from './monitoring.config.ts';
import type { ProcessDefinition, ReplicaContext, Topology } from './topology.resolve.ts';
import type { ProbeSet, ProbeSpec, ProbeTarget } from './topology.types.ts';

/**
 * The platform on one machine: every process, its replicas, ports, environment, probes and start order.
 * This file IS local service discovery: each service receives the address lists of its peers as
 * `<PEER>_ADDRS=127.0.0.1:p1,127.0.0.1:p2`. Ports come from the base port (`--base-port`, default
 * 7400) and the entry's slot, so they never move: replica r of slot s serves on `base + 10*s + r` and
 * its admin port (`/livez`, `/readyz`, `/startupz`, `/metrics`) is `base + 10*s + 5 + r`.
 *
 * | slot | entry         | replicas | traffic        | admin          |
 * |------|---------------|----------|----------------|----------------|
 * | 0    | kafka         | 1        | 7400 (Kafka)   | 7405 (metrics) |
 * | 1    | catalog       | 2        | 7410, 7411     | 7415, 7416     |
 * | 2    | inventory     | 2        | 7420, 7421     | 7425, 7426     |
 * | 3    | payments      | 2        | 7430, 7431     | 7435, 7436     |
 * | 4    | orders        | 2        | 7440, 7441     | 7445, 7446     |
 * | 5    | notifications | 2        | 7450, 7451 (unused) | 7455, 7456 |
 * | 6    | gateway       | 2        | 7460 (front), 7461, 7462 (HTTP) | 7465, 7466 |
 * | 7    | postgres      | 2        | 7470 (rw endpoint), 7471, 7472 | 7475, 7476 |
 * | 8    | prometheus    | 1        | 7480 (HTTP)    | none           |
 * | 9    | alertmanager  | 1        | 7490 (HTTP)    | none           |
 * | 10   | alert-receiver| 1        | 7500 (HTTP)    | none           |
 * | 11   | remediation   | 1        | 7510 (HTTP)    | none           |
 * | 12   | heal          | 1        | 7520 (HTTP)    | none           |
 * The gateway has a front (`front: true`): the supervisor listens on 7460 and balances over the replicas.
 * Prometheus and Alertmanager run only when their binaries are installed (Debian: prometheus,
 * prometheus-alertmanager); their configuration is generated at `up` from infra/prometheus and
 * infra/alertmanager (written for base 7400) for the base port and data dir in use.
 */
export const DEFAULT_BASE_PORT = 7400;

/**
 * V8's young generation capped at 2 MB per semi-space (default 16 MB): a Node process's garbage is short-lived request
 * state, so scavenges stay cheap, and each process keeps about 18 MB less resident (PSS 75 → 58 MB for catalog at
 * idle), which is what lets twelve service processes fit the footprint bar. `pnpm bench:checkout` measures the
 * checkout with it.
 */
export const SERVICE_NODE_OPTIONS = ['--max-semi-space-size=2'] as const;

const GRPC_SERVICES = ['catalog', 'inventory', 'payments', 'orders'] as const;

/** Database per service: each gets a role and a database of its name on the replicated PostgreSQL, and only those. */
export const DATABASE_SERVICES = ['orders', 'inventory', 'payments', 'notifications'] as const;

/** The secret name of a service role's password (see `ReplicaContext.secret`). */
const rolePassword = (service: string) => `postgres.role.${service}`;

/** `postgres://<service>:<password>@127.0.0.1:7470/<service>`: the service's own database, through the read-write endpoint. */
function databaseUrl(service: string, replica: ReplicaContext): string {
  const password = encodeURIComponent(replica.secret(rolePassword(service)));
  return `postgres://${service}:${password}@${replica.addresses('postgres')}/${service}`;
}

type Timing = Pick<ProbeSpec, 'initialDelayMs' | 'periodMs' | 'timeoutMs' | 'failureThreshold'>;

function probe(target: ProbeTarget, timing: Timing): ProbeSpec {
  return { ...target, ...timing, successThreshold: 1 };
}

/** The probes every service built on `libs/health` gets, on its admin port. */
export function adminProbes(adminPort: number): ProbeSet {
  const http = (path: string): ProbeTarget => ({ kind: 'http', port: adminPort, path });
  return {
    // Up to 60 s to start (initdb and migrations on a cold disk); liveness and readiness wait for it.
    startup: probe(http('/startupz'), {
      initialDelayMs: 200,
      periodMs: 500,
      timeoutMs: 1000,
      failureThreshold: 120,
    }),
    liveness: probe(http('/livez'), {
      initialDelayMs: 0,
      periodMs: 2000,
      timeoutMs: 1000,
      failureThreshold: 3,
    }),
    readiness: probe(http('/readyz'), {
      initialDelayMs: 0,
      periodMs: 1000,
      timeoutMs: 1000,
      failureThreshold: 2,
    }),
  };
}

/** Probes for a process that only listens on a TCP port (the dev Kafka broker). */
export function tcpProbes(port: number): ProbeSet {
  const tcp: ProbeTarget = { kind: 'tcp', port };
  return {
    startup: probe(tcp, { initialDelayMs: 100, periodMs: 250, timeoutMs: 1000, failureThreshold: 120 }),
    liveness: probe(tcp, { initialDelayMs: 0, periodMs: 5000, timeoutMs: 2000, failureThreshold: 3 }),
    readiness: probe(tcp, { initialDelayMs: 0, periodMs: 2000, timeoutMs: 1000, failureThreshold: 2 }),
  };
}

/** Probes for an HTTP server without an admin port (Prometheus, Alertmanager, the alert receiver). */
function httpProbes(port: number, ready: string): ProbeSet {
  const http = (path: string): ProbeTarget => ({ kind: 'http', port, path });
  return {
    startup: probe(http(ready), {
      initialDelayMs: 200,
      periodMs: 500,
      timeoutMs: 1000,
      failureThreshold: 120,
    }),
    liveness: probe(http(ready), { initialDelayMs: 0, periodMs: 5000, timeoutMs: 2000, failureThreshold: 3 }),
    readiness: probe(http(ready), {
      initialDelayMs: 0,
      periodMs: 2000,
      timeoutMs: 1000,
      failureThreshold: 2,
    }),
  };
}

const LAUNCHER = 'infra/local/src/binary.launcher.ts';

/** The monitoring entries: Prometheus and Alertmanager when installed, and the webhook receiver alerts go to. */
const monitoring: readonly ProcessDefinition[] = [
  {
    name: 'prometheus',
    description:
      'Prometheus: scrapes every /metrics, evaluates infra/prometheus/rules (data in .data/prometheus-0)',
    slot: 8,
    replicas: 1,
    entry: LAUNCHER,
    requires: { binary: 'prometheus', debianPackage: 'prometheus' },
    args: (replica) => [
      'prometheus',
      // Generated from infra/prometheus/prometheus.yml for this base port and data dir (monitoring.config.ts).
      `--config.file=${monitoringFiles(replica.dataRoot).prometheus}`,
      `--storage.tsdb.path=${replica.dataDir}`,
      `--web.listen-address=127.0.0.1:${replica.port}`,
      '--storage.tsdb.retention.time=3d',
      '--log.level=warn',
    ],
    admin: false,
    probes: (replica) => httpProbes(replica.port, '/-/ready'),
    url: (replica) => `http://127.0.0.1:${replica.port}`,
  },
  {
    name: 'alertmanager',
    description: 'Alertmanager: routes alerts of infra/alertmanager/alertmanager.yml to the alert receiver',
    slot: 9,
    replicas: 1,
    entry: LAUNCHER,
    requires: { binary: 'prometheus-alertmanager', debianPackage: 'prometheus-alertmanager' },
    args: (replica) => [
      'prometheus-alertmanager',
      `--config.file=${monitoringFiles(replica.dataRoot).alertmanager}`,
      `--storage.path=${replica.dataDir}`,
      `--web.listen-address=127.0.0.1:${replica.port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    admin: false,
    probes: (replica) => httpProbes(replica.port, '/-/ready'),
    dependsOn: ['alert-receiver', 'remediation'],
    url: (replica) => `http://127.0.0.1:${replica.port}`,
  },
  {
    name: 'alert-receiver',
    description:
      'webhook receiver standing in for a pager: logs each alert, keeps them in .data/alert-receiver-0',
    slot: 10,
    replicas: 1,
    entry: 'infra/alertmanager/src/cli.ts',
    nodeOptions: SERVICE_NODE_OPTIONS,
    packageDir: 'infra/alertmanager',
    args: (replica) => ['--port', String(replica.port), '--file', `${replica.dataDir}/alerts.jsonl`],
    admin: false,
    probes: (replica) => httpProbes(replica.port, '/healthz'),
  },
  // --- remediation (infra/remediation, docs/remediation.md) ---
  {
    name: 'remediation',
    description:
      'remediation controller: runs declared actions on Alertmanager webhooks, audit in .data/remediation-0',
    slot: 11,
    replicas: 1,
    entry: 'infra/remediation/src/cli.ts',
    nodeOptions: SERVICE_NODE_OPTIONS,
    packageDir: 'infra/remediation',
    args: (replica) => [
      '--port',
      String(replica.port),
      '--data-root',
      replica.dataRoot,
      '--audit-file',
      `${replica.dataDir}/audit.jsonl`,
    ],
    admin: false,
    probes: (replica) => httpProbes(replica.port, '/healthz'),
  },
  // --- end of remediation ---
];

/** The environment contract every service reads (documented in the README). */
function serviceEnv(name: string, portVariable: 'GRPC_PORT' | 'HTTP_PORT', replica: ReplicaContext) {
  const peers = Object.fromEntries(
    // The supervisor's endpoints file of each peer (its serving replicas), so rollouts move traffic.
    GRPC_SERVICES.map((service) => [`${service.toUpperCase()}_ADDRS`, replica.endpoints(service)]),
  );
  const database = (DATABASE_SERVICES as readonly string[]).includes(name)
    ? { [`${name.toUpperCase()}_DATABASE_URL`]: databaseUrl(name, replica) }
    : {};
  return {
    SERVICE_NAME: name,
    SERVICE_INSTANCE: `${name}-${replica.index}`,
    HOST: '127.0.0.1',
    [portVariable]: String(replica.port),
    ADMIN_PORT: String(replica.adminPort),
    DATA_DIR: replica.dataDir,
    // Shared by every replica of the service: a flag switched at one reaches the others and outlives restarts.
    DEGRADATION_DIR: `${replica.dataRoot}/degradation/${name}`,
    KAFKA_BROKERS: replica.addresses('kafka'),
    ...peers,
    ...database,
  };
}

function service(
  name: string,
  slot: number,
  replicas: number,
  description: string,
  dependsOn: readonly string[],
  portVariable: 'GRPC_PORT' | 'HTTP_PORT' = 'GRPC_PORT',
): ProcessDefinition {
  return {
    name,
    description,
    slot,
    replicas,
    entry: `apps/${name}/dist/main.js`,
    packageDir: `apps/${name}`,
    nodeOptions: SERVICE_NODE_OPTIONS,
    admin: true,
    env: (replica) => serviceEnv(name, portVariable, replica),
    probes: (replica) => adminProbes(replica.adminPort),
    dependsOn,
  };
}

export const platformTopology: Topology = {
  processes: [
    {
      name: 'kafka',
      description: 'development Kafka broker (wire protocol, persisted under .data/kafka-0)',
      slot: 0,
      replicas: 1,
      entry: 'infra/kafka-dev/src/cli.ts',
      nodeOptions: SERVICE_NODE_OPTIONS,
      packageDir: 'infra/kafka-dev',
      args: (replica) => [
        '--port',
        String(replica.port),
        '--data-dir',
        replica.dataDir,
        '--metrics-port',
        String(replica.adminPort),
        // Auto-created topics get 4 partitions, so both notifications replicas share orders.events.
        '--partitions',
        '4',
      ],
      // The admin port serves the broker's Prometheus /metrics; probes use the Kafka port itself.
      admin: true,
      probes: (replica) => tcpProbes(replica.port),
    },
    service('catalog', 1, 2, 'products over gRPC, read-mostly', []),
    service('inventory', 2, 2, 'stock reservations over gRPC', ['postgres']),
    service('payments', 3, 2, 'charges and refunds over gRPC, simulated processor', ['postgres']),
    // Services wait for their data stores only, never for each other (as on Kubernetes, where nothing orders
    // them): a caller's channel connects once the callee is ready, and readiness gates the traffic.
    service('orders', 4, 2, 'checkout saga over gRPC, outbox to Kafka (recovery: one leader)', [
      'kafka',
      'postgres',
    ]),
    service('notifications', 5, 2, 'order events from Kafka (one consumer group)', ['kafka', 'postgres']),
    {
      ...service('gateway', 6, 2, 'HTTP/JSON edge and web console', [], 'HTTP_PORT'),
      // The console's heal view proxies /console/heal/* to the heal entry below.
      env: (replica) => ({
        ...serviceEnv('gateway', 'HTTP_PORT', replica),
        CONSOLE_HEAL_URL: `http://${replica.addresses('heal')}`,
      }),
      // One stable port (7460) before the replicas, as a Kubernetes Service would be. A replayed Idempotency-Key
      // that lands on the other replica is still answered as a replay: orders keeps the key and says `replayed`.
      front: true,
      url: (replica) => `http://127.0.0.1:${replica.port}`,
    },
    {
      // --- replicated PostgreSQL (issue 15): primary + synchronous standby behind a read-write endpoint ---
      name: 'postgres',
      description:
        'PostgreSQL 18 (embedded binaries): primary + synchronous standby, a database and a role per service',
      slot: 7,
      replicas: 2,
      entry: 'infra/postgres-dev/src/cli.ts',
      nodeOptions: SERVICE_NODE_OPTIONS,
      packageDir: 'infra/postgres-dev',
      args: (replica) => [
        '--name',
        `postgres-${replica.index}`,
        '--port',
        String(replica.port),
        '--admin-port',
        String(replica.adminPort),
        '--data-dir',
        replica.dataDir,
        '--cluster-dir',
        `${replica.dataRoot}/postgres`,
        '--backup-dir',
        `${replica.dataRoot}/backups`,
        '--databases',
        DATABASE_SERVICES.join(','),
      ],
      env: (replica) => ({
        POSTGRES_ROLE_PASSWORDS: JSON.stringify(
          Object.fromEntries(DATABASE_SERVICES.map((name) => [name, replica.secret(rolePassword(name))])),
        ),
      }),
      // The stable port (7470) is the read-write endpoint: it follows the primary (src/postgres.cluster.ts);
      // the instances serve on 7471, 7472. /readyz: a primary that takes writes, a standby that answers.
      front: 'primary',
      admin: true,
      probes: (replica) => adminProbes(replica.adminPort),
    },
    // --- end replicated PostgreSQL ---
    ...monitoring,
    // BEGIN heal view backend (test/scenarios, issue #16)
    {
      name: 'heal',
      description:
        'the console heal view backend: reads the supervisor, every /metrics and Prometheus; runs traffic and scenarios',
      slot: 12,
      replicas: 1,
      entry: 'test/scenarios/src/heal/heal.cli.ts',
      nodeOptions: SERVICE_NODE_OPTIONS,
      packageDir: 'test/scenarios',
      args: (replica) => ['--port', String(replica.port), '--data-dir', replica.dataRoot],
      admin: false,
      probes: (replica) => httpProbes(replica.port, '/healthz'),
    },
    // END heal view backend
  ],
};
