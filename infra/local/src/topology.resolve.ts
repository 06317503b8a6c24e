import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { endpointsFileOf } from './endpoints.file.ts';
import type { Availability, ProbeSet, ProcessSpec, ReplicaSpec, RestartPolicy } from './topology.types.ts';

/** Replicas per entry are capped so the port blocks of two entries never overlap. */
export const MAX_REPLICAS = 5;
/** Ports per entry: replica r serves on `base + 10*slot + r` and its admin port is 5 above it. */
const BLOCK = 10;

/** What an entry's functions receive to build one replica. */
export interface ReplicaContext {
  readonly index: number;
  /** Traffic port of this replica (allocated from the base port and the entry's slot). */
  readonly port: number;
  /** Admin port of this replica. */
  readonly adminPort: number;
  /** `<dataDir>/<entry>-<index>`: this replica's own directory under `.data/`. */
  readonly dataDir: string;
  /** `.data/` itself. */
  readonly dataRoot: string;
  /** `127.0.0.1:p1,127.0.0.1:p2,...`: the traffic addresses of every replica of another entry. */
  addresses(entry: string): string;
  /**
   * Where a client finds the replicas of another entry that serve now: `file:///<dataRoot>/local/endpoints/<entry>`,
   * kept by the supervisor (`src/endpoints.file.ts`) like a Service's endpoints, so rollouts move traffic. The
   * static {@link addresses} for an entry that is not run (`--only`) or has a front.
   */
  endpoints(entry: string): string;
  /**
   * A random secret (a database role's password), the same for every entry that asks for `name` during one
   * resolution, so the server that sets it and the services that use it agree. New on every `up`.
   */
  secret(name: string): string;
}

/** One entry of the topology, as written in `platform.topology.ts`. */
export interface ProcessDefinition {
  readonly name: string;
  readonly description: string;
  /** Position in the port plan; unique per topology. Ports never move when other entries are added. */
  readonly slot: number;
  readonly replicas: number;
  /** Script run with the supervisor's `node`, relative to the repository root; `.ts` runs from source. */
  readonly entry: string;
  /** The package folder; when it exists but `entry` does not, the entry is "not built" rather than "coming". */
  readonly packageDir?: string;
  readonly args?: (replica: ReplicaContext) => readonly string[];
  /** Options for `node` itself, before the entry (e.g. V8 heap sizing). */
  readonly nodeOptions?: readonly string[];
  readonly env?: (replica: ReplicaContext) => Readonly<Record<string, string>>;
  /** Whether replicas get an admin port (probes then usually target it). */
  readonly admin: boolean;
  readonly probes: (replica: ReplicaContext) => ProbeSet;
  /** Entries that must be ready before this one starts (and that stop after it). */
  readonly dependsOn?: readonly string[];
  /** A URL printed once everything is ready, built from the first replica. */
  readonly url?: (replica: ReplicaContext) => string;
  readonly restart?: Partial<RestartPolicy>;
  /**
   * One stable port before the replicas, as a Kubernetes Service: the supervisor listens on the slot's first port
   * and balances connections over the ready replicas (`src/front.proxy.ts`), which then serve from the slot's
   * second port on (at most 4 replicas). Peers and the printed URL get the front's address.
   * `'primary'`: the front is a read-write endpoint that follows the primary of a replicated PostgreSQL
   * (`src/postgres.cluster.ts`) instead of balancing.
   */
  readonly front?: boolean | 'primary';
  /**
   * A system binary the entry runs (through `src/binary.launcher.ts`); without it on PATH the entry is skipped
   * with one line, like an entry whose code is not there yet.
   */
  readonly requires?: { readonly binary: string; readonly debianPackage: string };
}

export interface Topology {
  readonly processes: readonly ProcessDefinition[];
  /** Where `entry` paths start and children run; the repository root when absent. */
  readonly rootDir?: string;
  /** Defaults for every entry; an entry's own `restart` wins. */
  readonly restart?: Partial<RestartPolicy>;
}

export interface ResolveOptions {
  readonly rootDir: string;
  readonly dataDir: string;
  readonly basePort: number;
  /** Replica counts that override the topology's (`--replicas catalog=3`). */
  readonly replicas?: Readonly<Record<string, number>>;
  /** Keep only these entries (`--only`); the others are dropped, not shown as coming. */
  readonly only?: readonly string[];
  readonly restart?: Partial<RestartPolicy>;
  /** The interpreter for every entry; the running node by default. */
  readonly node?: string;
  /** Where {@link ReplicaContext.secret} comes from; default 18 random bytes per name (tests fix them). */
  readonly secret?: (name: string) => string;
}

/** Locally: 1 s doubling to 30 s, reset after 2 min of running, 5 s grace. (The kubelet: 10 s, 5 min, 10 min.) */
export const DEFAULT_RESTART: RestartPolicy = {
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  resetAfterMs: 120_000,
  terminationGraceMs: 5000,
};

function onPath(binary: string): boolean {
  return (
    spawnSync('sh', ['-c', `command -v '${binary.replace(/'/g, '')}'`], { stdio: 'ignore' }).status === 0
  );
}

function availability(definition: ProcessDefinition, rootDir: string): Availability {
  if (definition.requires && !onPath(definition.requires.binary)) {
    const { binary, debianPackage } = definition.requires;
    return { present: false, reason: `${binary} not installed (apt-get install -y ${debianPackage})` };
  }
  if (existsSync(join(rootDir, definition.entry))) return { present: true };
  const built = !definition.entry.endsWith('.ts');
  if (built && definition.packageDir && existsSync(join(rootDir, definition.packageDir, 'package.json'))) {
    return { present: false, reason: `not built yet (${definition.entry} missing; run 'pnpm build')` };
  }
  return {
    present: false,
    reason: `coming (${definition.packageDir ?? definition.entry} does not exist yet)`,
  };
}

/** Validates the topology and turns it into concrete processes: commands, ports, env, probes. */
export function resolveTopology(topology: Topology, options: ResolveOptions): ProcessSpec[] {
  const names = new Set(topology.processes.map((p) => p.name));
  const slots = new Set<number>();
  for (const definition of topology.processes) {
    if (slots.has(definition.slot)) throw new Error(`two entries use slot ${definition.slot}`);
    slots.add(definition.slot);
    for (const dependency of definition.dependsOn ?? []) {
      if (!names.has(dependency))
        throw new Error(`${definition.name} depends on unknown entry '${dependency}'`);
    }
  }
  for (const name of [...Object.keys(options.replicas ?? {}), ...(options.only ?? [])]) {
    if (!names.has(name)) throw new Error(`unknown process '${name}' (known: ${[...names].join(', ')})`);
  }
  const replicaCount = (definition: ProcessDefinition) => {
    const count = options.replicas?.[definition.name] ?? definition.replicas;
    const max = definition.front ? MAX_REPLICAS - 1 : MAX_REPLICAS;
    if (!Number.isInteger(count) || count < 1 || count > max) {
      throw new Error(`${definition.name}: replicas must be 1..${max}, got ${count}`);
    }
    return count;
  };
  const selected = topology.processes.filter((d) => !options.only || options.only.includes(d.name));
  const dataDir = isAbsolute(options.dataDir) ? options.dataDir : join(options.rootDir, options.dataDir);
  const portOf = (slot: number, index: number) => options.basePort + BLOCK * slot + index;
  const byName = new Map(topology.processes.map((definition) => [definition.name, definition]));
  const secrets = new Map<string, string>();
  const secret = (name: string) => {
    let value = secrets.get(name);
    if (value === undefined) {
      value = options.secret?.(name) ?? randomBytes(18).toString('base64url');
      secrets.set(name, value);
    }
    return value;
  };
  /** A front takes the slot's first port; the replicas serve from the next one on. */
  const trafficPort = (definition: ProcessDefinition, index: number) =>
    portOf(definition.slot, definition.front ? index + 1 : index);
  const context = (definition: ProcessDefinition, index: number): ReplicaContext => ({
    index,
    port: trafficPort(definition, index),
    adminPort: portOf(definition.slot, index + MAX_REPLICAS),
    dataDir: join(dataDir, `${definition.name}-${index}`),
    dataRoot: dataDir,
    addresses(entry) {
      const target = byName.get(entry);
      if (!target) throw new Error(`${definition.name} asks for the addresses of unknown entry '${entry}'`);
      if (target.front) return `127.0.0.1:${portOf(target.slot, 0)}`;
      return Array.from(
        { length: replicaCount(target) },
        (_, i) => `127.0.0.1:${portOf(target.slot, i)}`,
      ).join(',');
    },
    endpoints(entry) {
      const target = byName.get(entry);
      if (!target?.front && selected.some((d) => d.name === entry)) {
        return pathToFileURL(endpointsFileOf(dataDir, entry)).href;
      }
      return this.addresses(entry);
    },
    secret,
  });
  return selected.map((definition) => {
    const restart = { ...DEFAULT_RESTART, ...topology.restart, ...definition.restart, ...options.restart };
    const entry = join(options.rootDir, definition.entry);
    const build = (index: number): ReplicaSpec => {
      const replica = context(definition, index);
      return {
        name: `${definition.name}-${index}`,
        process: definition.name,
        index,
        command: options.node ?? process.execPath,
        args: [
          ...(definition.nodeOptions ?? []),
          ...(entry.endsWith('.ts') ? ['--conditions=development'] : []),
          entry,
          ...(definition.args?.(replica) ?? []),
        ],
        cwd: options.rootDir,
        env: definition.env?.(replica) ?? {},
        port: replica.port,
        ...(definition.admin ? { adminPort: replica.adminPort } : {}),
        probes: definition.probes(replica),
      };
    };
    const count = replicaCount(definition);
    const replicas = Array.from({ length: count }, (_, index) => build(index));
    // The indices a rollout may start a surge replica on (same secrets, ports of the entry's block).
    const maxIndex = definition.front ? MAX_REPLICAS - 1 : MAX_REPLICAS;
    const spares = Array.from({ length: maxIndex - count }, (_, k) => build(count + k));
    return {
      name: definition.name,
      description: definition.description,
      dependsOn: (definition.dependsOn ?? []).filter((d) => selected.some((s) => s.name === d)),
      availability: availability(definition, options.rootDir),
      replicas,
      spares,
      restart,
      ...(definition.url
        ? {
            url: definition.url(
              definition.front
                ? { ...context(definition, 0), port: portOf(definition.slot, 0) }
                : context(definition, 0),
            ),
          }
        : {}),
      ...(definition.front
        ? {
            front: {
              port: portOf(definition.slot, 0),
              ...(definition.front === 'primary' ? { followsPrimary: true } : {}),
            },
          }
        : {}),
    };
  });
}
