import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort, freePortBlock } from '../src/index.ts';

const EPHEMERAL_FIRST = 32_768;
const run = promisify(execFile);

/** Ports picked by another process at the same time as this one picks. */
async function picksInAnotherProcess(count: number): Promise<number[]> {
  const source = new URL('../src/port.allocator.ts', import.meta.url).pathname;
  const script = `const { freePort } = await import(${JSON.stringify(source)});
    const ports = await Promise.all(Array.from({ length: ${count} }, () => freePort()));
    process.stdout.write(JSON.stringify(ports));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as number[];
}

describe('freePort', () => {
  it('returns a port below the ephemeral range that can be listened on', async () => {
    const port = await freePort();
    assert.ok(port >= 1024 && port < EPHEMERAL_FIRST, `port ${port}`);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('never hands the same port to two callers, in this process or another, before either has bound it', async () => {
    const [here, there] = await Promise.all([
      Promise.all(Array.from({ length: 150 }, () => freePort())),
      picksInAnotherProcess(150),
    ]);
    const all = [...here, ...there];
    assert.equal(new Set(all).size, all.length, 'a port was handed out twice');
  });

  it('reserves a whole block, so single picks stay out of it', async () => {
    const base = await freePortBlock(40);
    const singles = await Promise.all(Array.from({ length: 100 }, () => freePort()));
    assert.deepEqual(
      singles.filter((port) => port >= base && port < base + 40),
      [],
    );
  });
});
