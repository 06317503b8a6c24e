/** How a probe reaches the process: an HTTP GET on a port (2xx/3xx = success) or a TCP connect. */
export type ProbeTarget =
  | { readonly kind: 'http'; readonly port: number; readonly path: string }
  | { readonly kind: 'tcp'; readonly port: number };

/** One probe with kubelet semantics. */
export type ProbeSpec = ProbeTarget & {
  /** Wait this long after the process starts (or after startup succeeded) before the first probe. */
  readonly initialDelayMs: number;
  readonly periodMs: number;
  /** A probe not answered within this bound counts as a failure. */
  readonly timeoutMs: number;
  /** Consecutive failures that count as "failed": kill (startup, liveness) or not ready (readiness). */
  readonly failureThreshold: number;
  /** Consecutive successes that make a not-ready replica ready again (readiness only). */
  readonly successThreshold: number;
};

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** Startup gates the other two; any of them may be absent. */
export type ProbeSet = Readonly<Partial<Record<ProbeKind, ProbeSpec>>>;

/** Restart with exponential back-off, like the kubelet (10 s doubling to 5 min, reset after 10 min). */
export interface RestartPolicy {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** A replica that ran this long without exiting starts its back-off from the beginning again. */
  readonly resetAfterMs: number;
  /** SIGTERM, then SIGKILL after this long. */
  readonly terminationGraceMs: number;
}

/** One concrete process to run: a replica of a process entry, with its ports allocated. */
export interface ReplicaSpec {
  /** `<process>-<index>`, e.g. `catalog-1`. */
  readonly name: string;
  readonly process: string;
  readonly index: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added on top of the supervisor's own environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Traffic port (gRPC, HTTP or Kafka), when the process serves one. */
  readonly port?: number;
  /** Admin port with `/livez`, `/readyz`, `/startupz`, `/metrics`, when the process has one. */
  readonly adminPort?: number;
  readonly probes: ProbeSet;
}

/** Whether a process entry can run in this checkout; entries not built yet are shown as coming. */
export type Availability = { readonly present: true } | { readonly present: false; readonly reason: string };

/** A process entry of the topology with everything resolved. */
export interface ProcessSpec {
  readonly name: string;
  readonly description: string;
  readonly dependsOn: readonly string[];
  readonly availability: Availability;
  readonly replicas: readonly ReplicaSpec[];
  /** Specs of the indices not in use (a rollout's surge replicas), built like `replicas`. */
  readonly spares?: readonly ReplicaSpec[];
  readonly restart: RestartPolicy;
  /** Printed when everything is ready (the gateway's URL). */
  readonly url?: string;
  /** The stable port of the entry's front (a `FrontProxy` in the supervisor), when it has one. */
  readonly front?: {
    readonly port: number;
    /** A read-write endpoint following the primary of a replicated PostgreSQL, not a round-robin front. */
    readonly followsPrimary?: boolean;
  };
}
