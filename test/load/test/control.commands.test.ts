import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, parseCommand } from '../src/control.commands.ts';

describe('parseCommand', () => {
  it('reads every command of the grammar', () => {
    assert.deepEqual(parseCommand('rate 50'), { kind: 'rate', rate: 50 });
    assert.deepEqual(parseCommand('  RATE 2.5 '), { kind: 'rate', rate: 2.5 });
    assert.deepEqual(parseCommand('mix checkout=0.3, browse=40%'), {
      kind: 'mix',
      update: { checkout: 0.3, browse: 0.4 },
    });
    assert.deepEqual(parseCommand('mix'), { kind: 'mix' });
    assert.deepEqual(parseCommand('abuser on'), { kind: 'abuser', enabled: true });
    assert.deepEqual(parseCommand('abuser 60'), { kind: 'abuser', enabled: true, rate: 60 });
    assert.deepEqual(parseCommand('bad off'), { kind: 'bad', enabled: false });
    assert.deepEqual(parseCommand('bad 0'), { kind: 'bad', enabled: false, rate: 0 });
    for (const word of ['pause', 'resume', 'status', 'stop', 'help'] as const) {
      assert.deepEqual(parseCommand(word), { kind: word });
    }
    assert.deepEqual(parseCommand('quit'), { kind: 'stop' });
  });

  it('answers a wrong command with one line saying what was expected', () => {
    assert.throws(() => parseCommand('rate fast'), /rate expects a number of requests per second/);
    assert.throws(() => parseCommand('rate -1'), CommandError);
    assert.throws(() => parseCommand('mix buy=1'), /^CommandError: mix: expected op=share/);
    assert.throws(() => parseCommand('abuser maybe'), CommandError);
    assert.throws(() => parseCommand('launch'), /unknown command 'launch'/);
  });
});
