import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Version } from './version.profile.ts';

export type RolloutPhase = 'Progressing' | 'RollingBack' | 'Completed' | 'RolledBack' | 'Failed';

/** One rollout as the control server shows it and the data dir keeps it. */
export interface RolloutRecord {
  readonly id: number;
  readonly process: string;
  readonly from: Version;
  readonly to: Version;
  phase: RolloutPhase;
  /** What it is doing now, in words. */
  step: string;
  /** Replicas of the old version replaced so far, out of `of`. */
  replaced: number;
  readonly of: number;
  readonly startedAt: string;
  endedAt?: string;
  /** Why it rolled back or failed. */
  reason?: string;
  /** Milliseconds from the first bad signal to the last new replica out of the endpoints. */
  rollbackMs?: number;
  /** Each step, in order, with the wall-clock time. */
  readonly events: { at: string; message: string }[];
}

/** What `<dataDir>/local/rollout.json` holds: each entry's stable version, the rollout under way, the last ones. */
export interface RolloutState {
  versions: Record<string, Version>;
  active?: RolloutRecord;
  history: RolloutRecord[];
}

const HISTORY = 20;

export function rolloutFileOf(dataRoot: string): string {
  return join(dataRoot, 'local', 'rollout.json');
}

/**
 * The rollout state on disk, rewritten whole (temp file + rename) at every step, so a supervisor that restarts
 * knows which version each entry runs and whether a rollout was cut short.
 */
export class RolloutStore {
  readonly #file: string;
  readonly state: RolloutState;

  constructor(file: string) {
    this.#file = file;
    this.state = RolloutStore.#read(file);
  }

  static #read(file: string): RolloutState {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return { versions: {}, history: [] };
    }
    try {
      const state = JSON.parse(text) as RolloutState;
      return {
        versions: state.versions ?? {},
        history: state.history ?? [],
        ...(state.active ? { active: state.active } : {}),
      };
    } catch (error) {
      throw new Error(
        `${file} is not valid JSON (${(error as Error).message}); move it away to start afresh`,
      );
    }
  }

  /** Moves the active rollout to the history (newest first, bounded). */
  finish(record: RolloutRecord): void {
    if (this.state.active?.id === record.id) delete this.state.active;
    this.state.history = [record, ...this.state.history.filter((r) => r.id !== record.id)].slice(0, HISTORY);
    this.save();
  }

  nextId(): number {
    return Math.max(0, this.state.active?.id ?? 0, ...this.state.history.map((r) => r.id)) + 1;
  }

  save(): void {
    mkdirSync(dirname(this.#file), { recursive: true });
    writeFileSync(`${this.#file}.tmp`, `${JSON.stringify(this.state, null, 2)}\n`);
    renameSync(`${this.#file}.tmp`, this.#file);
  }
}
