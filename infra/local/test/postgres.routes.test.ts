// The restore route's body: a clear error for anything but "latest" or an ISO time, never a throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRestoreTarget } from '../src/postgres.routes.ts';

describe('parseRestoreTarget', () => {
  it('reads "latest" and an ISO time', () => {
    assert.equal(parseRestoreTarget('{"to":"latest"}'), 'latest');
    assert.deepEqual(parseRestoreTarget('{"to":"2026-12-07T11:30:00Z"}'), new Date('2026-12-07T11:30:00Z'));
  });

  it('answers a clear error for a missing or bad target and for a body that is not JSON', () => {
    for (const body of ['', '{}', '{"to":"yesterday"}', '{"to":5}', 'null', 'not json']) {
      const answer = parseRestoreTarget(body);
      assert.ok(typeof answer === 'object' && 'error' in answer, `${body}: ${String(answer)}`);
      assert.match(answer.error, /"to" must be "latest" or an ISO time|must be JSON/);
    }
  });
});
