import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRolePasswords, serviceDatabaseUrl } from '../src/index.ts';

describe('loadRolePasswords', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebound-pg-credentials-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a distinct random password per role in a file only its owner can read', async () => {
    const file = join(dir, 'nested', 'roles.json');
    const passwords = loadRolePasswords(file, ['orders', 'payments']);
    assert.deepEqual(Object.keys(passwords).sort(), ['orders', 'payments']);
    assert.notEqual(passwords.orders, passwords.payments);
    assert.match(passwords.orders!, /^[A-Za-z0-9_-]{24}$/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), passwords);
  });

  it('keeps the stored passwords and adds only the missing roles', () => {
    const file = join(dir, 'kept.json');
    const first = loadRolePasswords(file, ['orders']);
    const second = loadRolePasswords(file, ['orders', 'inventory']);
    assert.equal(second.orders, first.orders);
    assert.equal(typeof second.inventory, 'string');
    assert.deepEqual(loadRolePasswords(file, ['inventory', 'orders']), second);
  });
});

describe('serviceDatabaseUrl', () => {
  it("names the role's own database and encodes the password", () => {
    const url = serviceDatabaseUrl('127.0.0.1:7470', 'orders', 'a/b+c');
    assert.equal(url, 'postgres://orders:a%2Fb%2Bc@127.0.0.1:7470/orders');
    assert.equal(decodeURIComponent(new URL(url).password), 'a/b+c');
  });
});
