import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCli, UsageError } from '../src/cli.args.ts';

const parse = (...argv: string[]) => {
  const command = parseCli(argv, () => 99);
  assert.ok(!command.help);
  return command;
};

describe('parseCli', () => {
  it('targets the local gateway with the local keys by default', () => {
    const options = parse();
    assert.equal(options.url, 'http://127.0.0.1:7460');
    assert.deepEqual(options.apiKeys, ['key-a', 'key-b']);
    assert.equal(options.settings.rate, 10);
    assert.equal(options.durationS, undefined);
    assert.equal(options.seed, 99);
    assert.equal(options.settings.abuser.enabled, false);
  });

  it('moves with --base-port, or goes where --url says', () => {
    assert.equal(parse('--base-port', '8400').url, 'http://127.0.0.1:8460');
    assert.equal(parse('--url', 'http://shop.example:8080/ignored').url, 'http://shop.example:8080');
    assert.throws(() => parse('--url', 'ftp://x'), UsageError);
    assert.throws(() => parse('--url', 'http://a', '--base-port', '8400'), /name the target twice/);
  });

  it("keeps the shoppers off the abuser's key", () => {
    const options = parse(
      '--abuser',
      '--abuser-rate',
      '60',
      '--bad-bodies',
      '--duration',
      '2m',
      '--seed',
      '5',
    );
    assert.deepEqual(options.apiKeys, ['key-a']);
    assert.equal(options.abuserKey, 'key-b');
    assert.deepEqual(options.settings.abuser, { enabled: true, rate: 60 });
    assert.equal(options.settings.badBodies.enabled, true);
    assert.equal(options.durationS, 120);
    assert.equal(options.seed, 5);
  });

  it('refuses bad flags with one line', () => {
    assert.throws(() => parse('--rate', 'lots'), /--rate expects a number/);
    assert.throws(() => parse('--duration', '0'), /--duration expects a time/);
    assert.throws(() => parse('--mix', 'checkout=2'), /--mix: /);
    assert.throws(() => parse('--arrivals', 'bursty'), /poisson or uniform/);
    assert.throws(() => parse('--frobnicate'), /Unknown option '--frobnicate'/);
    assert.deepEqual(parseCli(['--help']), { help: true });
  });
});
