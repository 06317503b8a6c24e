import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `<dataRoot>/local/endpoints/<entry>`: the addresses clients of `entry` call (`file:///…` targets). */
export function endpointsFileOf(dataRoot: string, entry: string): string {
  return join(dataRoot, 'local', 'endpoints', entry);
}

/**
 * The local stand-in for a Service's endpoints: one file per entry listing the `host:port` of the replicas that
 * serve it, which `@rebound/rpc` clients re-read every second. Outside a rollout it lists every replica of the
 * topology (what the static address lists said); a rollout adds its new replica once ready and removes a
 * replica before stopping it. Written whole and renamed into place, so a reader never sees half a list.
 */
export class EndpointsFiles {
  readonly #dataRoot: string;
  readonly #members = new Map<string, Map<string, number>>();
  readonly #watchers = new Map<string, (members: ReadonlyMap<string, number>) => void>();

  constructor(dataRoot: string) {
    this.#dataRoot = dataRoot;
  }

  /** The replicas (name → port) that serve `entry` now. */
  members(entry: string): ReadonlyMap<string, number> {
    return this.#members.get(entry) ?? new Map();
  }

  set(entry: string, members: ReadonlyMap<string, number>): void {
    this.#members.set(entry, new Map(members));
    this.#write(entry);
    this.#watchers.get(entry)?.(this.members(entry));
  }

  /**
   * Calls `listener` with the members of `entry` now and at every change: how an entry with a front (the
   * gateway) follows its endpoints, since its callers reach it through the front rather than this file.
   */
  watch(entry: string, listener: (members: ReadonlyMap<string, number>) => void): void {
    this.#watchers.set(entry, listener);
    listener(this.members(entry));
  }

  add(entry: string, replica: string, port: number): void {
    const members = new Map(this.members(entry));
    members.set(replica, port);
    this.set(entry, members);
  }

  remove(entry: string, replica: string): void {
    const members = new Map(this.members(entry));
    members.delete(replica);
    this.set(entry, members);
  }

  #write(entry: string): void {
    const file = endpointsFileOf(this.#dataRoot, entry);
    mkdirSync(dirname(file), { recursive: true });
    const lines = [...this.members(entry).values()].map((port) => `127.0.0.1:${port}\n`);
    writeFileSync(`${file}.tmp`, lines.join(''));
    renameSync(`${file}.tmp`, file);
  }
}
