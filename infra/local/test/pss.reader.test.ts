import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import { groupFootprint, processGroupMembers, pssOf } from '../src/index.ts';

describe('PSS of processes and process groups', () => {
  it("reads this process's PSS from smaps_rollup, and nothing for a pid that does not exist", () => {
    const own = pssOf(process.pid);
    assert.ok(own !== undefined && own > 1024 * 1024, `PSS ${own}`);
    assert.equal(pssOf(2 ** 22 + 1), undefined);
  });

  it('sums a process group and its descendants, one that left for a session of its own included', async () => {
    const leader = spawn('sh', ['-c', 'setsid sleep 30 & sleep 30; wait'], {
      detached: true,
      stdio: 'ignore',
    });
    try {
      const pgid = leader.pid!;
      await waitFor(() => processGroupMembers(pgid).length === 3, {
        description: 'sh, its sleep and its setsid sleep',
      });
      const members = processGroupMembers(pgid);
      assert.ok(members.includes(pgid));
      const footprint = groupFootprint(pgid);
      assert.equal(footprint.processes, 3);
      const sum = members.reduce((total, pid) => total + (pssOf(pid) ?? 0), 0);
      assert.ok(Math.abs(footprint.pss - sum) < 64 * 1024, `${footprint.pss} vs ${sum}`);
    } finally {
      const exited = once(leader, 'exit');
      const all = processGroupMembers(leader.pid!);
      for (const pid of all) process.kill(pid, 'SIGKILL');
      await exited;
    }
  });
});
