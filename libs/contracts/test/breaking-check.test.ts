import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkBreaking, packageRoot } from '../scripts/buf.ts';

const catalogProto = join('proto', 'rebound', 'catalog', 'v1', 'catalog.proto');

describe('breaking-change check against proto-baseline/', () => {
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'rebound-contracts-'));
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** A copy of this module (buf.yaml + proto/) with one edit applied to catalog.proto. */
  async function copyWith(name: string, edit: (source: string) => string): Promise<string> {
    const dir = join(scratch, name);
    await cp(join(packageRoot, 'proto'), join(dir, 'proto'), { recursive: true });
    await cp(join(packageRoot, 'buf.yaml'), join(dir, 'buf.yaml'));
    const file = join(dir, catalogProto);
    const source = await readFile(file, 'utf8');
    const edited = edit(source);
    assert.notEqual(edited, source, 'the edit must change the file');
    await writeFile(file, edited);
    return dir;
  }

  it('passes for the current protos', () => {
    const result = checkBreaking();
    assert.equal(result.ok, true, result.output);
  });

  it('passes when a field is added with a new number', async () => {
    const dir = await copyWith('added', (s) =>
      s.replace('Money price = 4;', 'Money price = 4;\n  string sku = 5;'),
    );
    const result = checkBreaking(dir);
    assert.equal(result.ok, true, result.output);
  });

  it('fails when a field is renumbered', async () => {
    const dir = await copyWith('renumbered', (s) => s.replace('string name = 2;', 'string name = 12;'));
    const result = checkBreaking(dir);
    assert.equal(result.ok, false);
    assert.match(result.output, /field "2" with name "name" on message "Product" was deleted/);
  });

  it('fails when a field is removed', async () => {
    const dir = await copyWith('removed', (s) => s.replace('  string description = 3;\n', ''));
    const result = checkBreaking(dir);
    assert.equal(result.ok, false);
    assert.match(result.output, /field "3" with name "description" on message "Product" was deleted/);
  });
});
