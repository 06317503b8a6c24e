import { readdirSync, readFileSync } from 'node:fs';

/** Proportional set size of one process in bytes (`/proc/<pid>/smaps_rollup`), or undefined once it is gone. */
export function pssOf(pid: number): number | undefined {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = /^Pss:\s+(\d+) kB$/m.exec(rollup)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
}

/** pid, parent and process group of every live process (`/proc/<pid>/stat`, fields 4 and 5). */
function processTable(): ProcStat[] {
  const table: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // Exited while we looked.
    }
  }
  return table;
}

/**
 * The pids of process group `pgid` and of every descendant of its leader: PostgreSQL's server processes each
 * lead a process group of their own (`setsid`), yet belong to the replica that started the postmaster.
 */
export function processGroupMembers(pgid: number): number[] {
  const table = processTable();
  const members = new Set(table.filter((proc) => proc.pgrp === pgid).map((proc) => proc.pid));
  members.add(pgid);
  for (let grew = true; grew; ) {
    grew = false;
    for (const proc of table) {
      if (!members.has(proc.pid) && members.has(proc.ppid)) {
        members.add(proc.pid);
        grew = true;
      }
    }
  }
  return [...members].filter((pid) => table.some((proc) => proc.pid === pid));
}

export interface GroupFootprint {
  /** Sum of the members' PSS in bytes. */
  readonly pss: number;
  readonly processes: number;
}

/**
 * PSS of a whole replica: its process group and its leader's descendants (postgres-0 is the Node process that
 * runs the server plus the server's own processes). PSS splits shared pages between the processes that map them, so the
 * sum over every group is what the platform costs the machine, without double counting shared libraries.
 */
export function groupFootprint(pgid: number): GroupFootprint {
  let pss = 0;
  let processes = 0;
  for (const pid of processGroupMembers(pgid)) {
    const size = pssOf(pid);
    if (size === undefined) continue;
    pss += size;
    processes += 1;
  }
  return { pss, processes };
}
