import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCli, UsageError } from '../src/cli.args.ts';

describe('parseCli', () => {
  it('reads run with names and flags', () => {
    const options = parseCli(['run', 'catalog-slow', 'overload', '--window', '5', '--data-dir', '/tmp/x']);
    assert.equal(options.command, 'run');
    assert.deepEqual(options.names, ['catalog-slow', 'overload']);
    assert.equal(options.windowMs, 5_000);
    assert.equal(options.dataDir, '/tmp/x');
  });

  it('reads gameday with its seed and minutes', () => {
    const options = parseCli(['gameday', '--seed', '42', '--minutes', '15']);
    assert.equal(options.seed, 42);
    assert.equal(options.minutes, 15);
  });

  it('refuses bad input with one clear line', () => {
    const cases: [string[], RegExp][] = [
      [['explode'], /unknown command 'explode'/],
      [['run'], /run needs scenario names/],
      [['gameday', '--minutes', '3'], /gameday needs --seed/],
      [['gameday', '--seed', 'abc'], /--seed expects an integer/],
      [['run', 'x', '--window', '1'], /--window expects an integer in 2..600/],
      [['run', 'x', '--start', '--data-dir', 'd'], /exclude each other/],
      [['run', 'x', '--bogus'], /bogus/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseCli(argv),
        (error: Error) => error instanceof UsageError && message.test(error.message),
      );
    }
  });

  it('shows help for nothing, help or -h', () => {
    assert.equal(parseCli([]).command, 'help');
    assert.equal(parseCli(['-h']).command, 'help');
  });
});
