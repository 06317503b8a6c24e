import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { lineSplitter } from './line.splitter.ts';
import { runProbe } from './probe.runner.ts';
import type { ReplicaEffects, ReplicaMachine } from './replica.machine.ts';
import type { ReplicaSpec } from './topology.types.ts';

/** Whether any process of the group led by `pgid` is still alive. */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves once no member of the group is left, or after `boundMs` (a zombie nobody reaps). */
async function groupGone(pgid: number, boundMs = 2000): Promise<void> {
  const deadline = performance.now() + boundMs;
  while (processGroupAlive(pgid) && performance.now() < deadline) await sleep(10);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * The thin I/O layer under one `ReplicaMachine`: spawns the replica in its own process group, pipes its
 * output line by line to `onLine`, signals the whole group, runs probes, and reports back to the machine.
 * When the leader exits, whatever it left behind in its group is killed, as the kubelet kills a container.
 */
export class ProcessDriver implements ReplicaEffects {
  readonly #spec: ReplicaSpec;
  readonly #onLine: (line: string) => void;
  readonly #onError: (message: string) => void;
  #machine: ReplicaMachine | undefined;
  #child: ChildProcess | undefined;
  /** Every process group this driver ever started, to prove at shutdown that none is left. */
  readonly groups = new Set<number>();

  constructor(spec: ReplicaSpec, onLine: (line: string) => void, onError: (message: string) => void) {
    this.#spec = spec;
    this.#onLine = onLine;
    this.#onError = onError;
  }

  attach(machine: ReplicaMachine): void {
    this.#machine = machine;
  }

  spawn(): void {
    const machine = this.#requireMachine();
    const spec = this.#spec;
    let reported = false;
    const reportExit = (code: number | null, signal: string | null) => {
      if (reported) return;
      reported = true;
      this.#child = undefined;
      machine.exited(code, signal);
    };
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    for (const stream of [child.stdout, child.stderr]) {
      const splitter = lineSplitter(this.#onLine);
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => splitter.push(chunk));
      stream?.on('end', () => splitter.flush());
    }
    child.on('error', (error) => {
      this.#onError(`${spec.name}: ${error.message}`);
      reportExit(null, null);
    });
    child.on('exit', (code, signal) => {
      if (child.pid === undefined) return reportExit(code, signal);
      // The leader is gone: kill what it left in its group and report the exit once the group is empty.
      signalGroup(child.pid, 'SIGKILL');
      void groupGone(child.pid).then(() => reportExit(code, signal));
    });
    if (child.pid !== undefined) {
      this.groups.add(child.pid);
      machine.spawned(child.pid);
    }
  }

  signal(signal: 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): void {
    const pid = this.#child?.pid;
    if (pid !== undefined) signalGroup(pid, signal);
  }

  probe: ReplicaEffects['probe'] = (kind, spec, incarnation) => {
    const machine = this.#requireMachine();
    void runProbe(spec).then((outcome) => machine.probeResult(kind, incarnation, outcome.ok, outcome.detail));
  };

  /** Process groups started by this driver that still have a live member. */
  leftoverGroups(): number[] {
    return [...this.groups].filter(processGroupAlive);
  }

  #requireMachine(): ReplicaMachine {
    if (!this.#machine) throw new Error(`driver for ${this.#spec.name} is not attached to a machine`);
    return this.#machine;
  }
}
