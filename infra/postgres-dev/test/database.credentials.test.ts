import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRolePasswords, serviceDatabaseUrl } from '../src/index.ts';

describe('parseRolePasswords', () => {
  it('reads one password per database', () => {
    const passwords = parseRolePasswords('{"orders":"a","payments":"b"}', ['orders', 'payments']);
    assert.deepEqual(passwords, { orders: 'a', payments: 'b' });
  });

  it('refuses a missing or empty password, an unknown role and non-JSON, naming the problem', () => {
    assert.throws(
      () => parseRolePasswords('{"orders":"a"}', ['orders', 'payments']),
      /no password for role 'payments'/,
    );
    assert.throws(() => parseRolePasswords('{"orders":""}', ['orders']), /no password for role 'orders'/);
    assert.throws(
      () => parseRolePasswords('{"orders":"a","x":"b"}', ['orders']),
      /roles not in --databases: x/,
    );
    assert.throws(() => parseRolePasswords('nope', ['orders']), /is not JSON/);
    assert.throws(() => parseRolePasswords('[]', ['orders']), /must be an object/);
  });
});

describe('serviceDatabaseUrl', () => {
  it("names the role's own database and encodes the password", () => {
    const url = serviceDatabaseUrl('127.0.0.1:7470', 'orders', 'a/b+c');
    assert.equal(url, 'postgres://orders:a%2Fb%2Bc@127.0.0.1:7470/orders');
    assert.equal(decodeURIComponent(new URL(url).password), 'a/b+c');
  });
});
