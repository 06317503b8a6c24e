import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveFilesBefore, segmentPosition } from '../src/index.ts';

describe('backup retention: which archived WAL a kept base backup still needs', () => {
  it('names the segment of an LSN (16 MiB segments, 256 per log file)', () => {
    assert.equal(segmentPosition('0/3000028'), '0000000000000003');
    assert.equal(segmentPosition('0/FFFFFFF'), '000000000000000F');
    assert.equal(segmentPosition('1/A2000000'), '00000001000000A2');
    assert.equal(segmentPosition('0/0'), '0000000000000000');
    assert.throws(() => segmentPosition('3000028'), /not an LSN/);
  });

  it('deletes segments and backup history files below the position, on every timeline, and keeps the rest', () => {
    const files = [
      '000000010000000000000001.gz',
      '000000010000000000000002.gz',
      '000000010000000000000002.00000028.backup.gz',
      '000000010000000000000003.gz',
      '000000020000000000000002.partial.gz',
      '000000020000000000000003.gz',
      '00000002.history.gz',
      '000000010000000000000001.gz.tmp',
      'notes.txt',
    ];
    assert.deepEqual(archiveFilesBefore(files, '0000000000000003'), [
      '000000010000000000000001.gz',
      '000000010000000000000002.gz',
      '000000010000000000000002.00000028.backup.gz',
      '000000020000000000000002.partial.gz',
    ]);
    assert.deepEqual(archiveFilesBefore(files, '0000000000000000'), []);
  });
});
