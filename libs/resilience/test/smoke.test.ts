import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('toolchain', () => {
  it('runs TypeScript tests on Node 24', () => {
    assert.equal(process.versions.node.split('.')[0], '24');
  });
});
