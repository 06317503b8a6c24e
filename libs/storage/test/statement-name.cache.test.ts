import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatementNames } from '../src/statement-name.cache.ts';

describe('StatementNames', () => {
  it('gives one stable name per SQL text', () => {
    const names = new StatementNames(10);
    const first = names.for('SELECT $1');
    assert.equal(names.for('SELECT $2') === first, false);
    assert.equal(names.for('SELECT $1'), first);
  });

  it('names no new text past its limit, and keeps the names it gave', () => {
    const names = new StatementNames(2);
    const a = names.for('a');
    const b = names.for('b');
    assert.equal(names.for('c'), undefined);
    assert.deepEqual([names.for('a'), names.for('b')], [a, b]);
  });
});
