/**
 * The one description of every Rebound workload that `k8s/base/<service>.yaml` is generated from
 * (`node test/k8s/src/generate-base.cli.ts`), and that the policy and consistency tests read back.
 */
export interface ServiceSpec {
  readonly name: string;
  /** `app.kubernetes.io/component`. */
  readonly component: 'edge' | 'backend' | 'worker';
  /** gRPC services serve `GRPC_PORT` and are probed natively; the others are HTTP (gateway) or admin-only. */
  readonly transport: 'grpc' | 'http' | 'none';
  /** Workloads allowed to call the traffic port (NetworkPolicy); `'*'` = anyone (the edge). */
  readonly callers: readonly string[];
  /** Workloads this one calls: the `<NAME>_ADDRS` variables. */
  readonly calls: readonly string[];
  /** Reads `<SERVICE>_DATABASE_URL` (set by the postgresql component); without it the service does not start. */
  readonly database: boolean;
  /** Reads `KAFKA_BROKERS` (set by the kafka component). */
  readonly kafka: boolean;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /**
   * Declares degradation flags, kept for all its pods in the ConfigMap `<name>-degradation`, which the pods read
   * and patch through the API (their service account's token is mounted, with a Role for that ConfigMap only).
   */
  readonly degradationFlags: boolean;
  /** The app folder may not exist yet (built by a later session). */
  readonly pending?: boolean;
}

export const GRPC_PORT = 50051;
export const HTTP_PORT = 8080;
export const ADMIN_PORT = 9464;
export const MEMORY_LIMIT_MI = 256;
/** V8's old space gets 75% of the memory limit, so the heap fails before the OOM killer fires. */
export const MAX_OLD_SPACE_MI = Math.floor(MEMORY_LIMIT_MI * 0.75);
export const PRESTOP_SLEEP_SECONDS = 5;
export const SHUTDOWN_DRAIN_DELAY_MS = 1_000;
export const SHUTDOWN_DRAIN_TIMEOUT_MS = 10_000;
export const TERMINATION_GRACE_SECONDS = 30;
export const IMAGE_VERSION = '0.0.0';

export const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'gateway',
    component: 'edge',
    transport: 'http',
    callers: ['*'],
    calls: ['catalog', 'orders'],
    database: false,
    kafka: false,
    minReplicas: 2,
    maxReplicas: 6,
    degradationFlags: true,
  },
  {
    name: 'catalog',
    component: 'backend',
    transport: 'grpc',
    callers: ['gateway'],
    calls: [],
    database: false,
    kafka: false,
    minReplicas: 2,
    maxReplicas: 6,
    degradationFlags: false,
  },
  {
    name: 'inventory',
    component: 'backend',
    transport: 'grpc',
    callers: ['orders'],
    calls: [],
    database: true,
    kafka: false,
    minReplicas: 2,
    maxReplicas: 4,
    degradationFlags: false,
  },
  {
    name: 'payments',
    component: 'backend',
    transport: 'grpc',
    callers: ['orders'],
    calls: [],
    database: true,
    kafka: false,
    minReplicas: 2,
    maxReplicas: 4,
    degradationFlags: false,
  },
  {
    name: 'orders',
    component: 'backend',
    transport: 'grpc',
    callers: ['gateway'],
    calls: ['inventory', 'payments'],
    database: true,
    kafka: true,
    minReplicas: 2,
    maxReplicas: 6,
    degradationFlags: false,
  },
  {
    name: 'notifications',
    component: 'worker',
    transport: 'none',
    callers: [],
    calls: [],
    database: true,
    kafka: true,
    minReplicas: 2,
    maxReplicas: 6,
    degradationFlags: true,
    pending: true,
  },
];
