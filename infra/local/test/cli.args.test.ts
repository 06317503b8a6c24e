import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from '../src/index.ts';

describe('parseArgs', () => {
  it('reads every flag of up, repeated and inline', () => {
    assert.deepEqual(
      parseArgs([
        'up',
        '--only',
        'catalog,gateway',
        '--only=orders',
        '--replicas',
        'catalog=3',
        '--replicas=payments=1',
        '--base-port',
        '9000',
        '--data-dir',
        '/tmp/x',
        '--backoff-initial',
        '200',
        '--backoff-max=5000',
        '--grace',
        '1000',
      ]),
      {
        command: 'up',
        only: ['catalog', 'gateway', 'orders'],
        replicas: { catalog: 3, payments: 1 },
        basePort: 9000,
        dataDir: '/tmp/x',
        topology: undefined,
        restart: { initialBackoffMs: 200, maxBackoffMs: 5000, terminationGraceMs: 1000 },
      },
    );
  });

  it('reads status flags', () => {
    assert.deepEqual(parseArgs(['status', '--json']), { command: 'status', dataDir: undefined, json: true });
  });

  it('answers --help anywhere', () => {
    assert.deepEqual(parseArgs(['up', '--only', 'x', '--help']), { command: 'help' });
    assert.deepEqual(parseArgs(['-h']), { command: 'help' });
  });

  it('rejects what it cannot run with one clear line', () => {
    const cases: [string[], RegExp][] = [
      [[], /^missing command/],
      [['down'], /^unknown command 'down'/],
      [['up', '--json'], /^unknown flag '--json' for 'up'/],
      [['status', '--only', 'x'], /^unknown flag '--only' for 'status'/],
      [['up', '--base-port'], /^--base-port needs a value/],
      [['up', '--base-port', '80'], /^--base-port expects an integer in 1024\.\.65000, got '80'/],
      [['up', '--replicas', 'catalog=0'], /^--replicas expects an integer in 1\.\.5/],
      [['up', '--replicas', 'Catalog'], /^--replicas expects name=N/],
      [['up', 'extra'], /^unknown flag 'extra'/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseArgs(argv),
        (error: Error & { isUsageError?: boolean }) => {
          assert.equal(error.isUsageError, true);
          assert.match(error.message, message);
          assert.ok(!error.message.includes('\n'));
          return true;
        },
      );
    }
  });
});
