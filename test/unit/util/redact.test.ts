import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, registerCredentials, registerSecret } from '../../../lib/util/redact.js';

describe('redact', () => {
  it('a username and password register every form they are sent in: Basic base64 (std and url), user:pass, URL-encoded', () => {
    const username = 'unit-user';
    const password = 'unit/pa ss+9&"q\\';
    registerCredentials({ username, password });
    const pair = `${username}:${password}`;
    const b64 = Buffer.from(pair).toString('base64');
    const forms = [
      password,
      pair,
      b64,
      Buffer.from(pair).toString('base64url'),
      `Basic ${b64}`,
      encodeURIComponent(password),
      encodeURIComponent(pair),
      encodeURIComponent(b64),
      JSON.stringify(password).slice(1, -1),
    ];
    for (const form of forms) {
      const out = redact(`before ${form} after`);
      assert.ok(!out.includes(form), `${form} -> ${out}`);
      assert.match(out, /^before .*\*\*\* after$/);
    }
    assert.equal(redact(`Authorization: Basic ${b64}`), 'Authorization: Basic ***');
  });

  it('a bearer token is redacted plain and URL-encoded', () => {
    const token = 'tok/en+with=chars';
    registerCredentials({ token });
    assert.equal(redact(`Bearer ${token} ${encodeURIComponent(token)}`), 'Bearer *** ***');
  });

  it('registerSecret covers the URL-encoded form too; a longer secret is redacted whole, not around a shorter one', () => {
    registerSecret('abcd');
    registerSecret('xxabcdyy');
    assert.equal(redact('xxabcdyy abcd'), '*** ***');
    registerSecret('s p@ce');
    assert.equal(redact('s%20p%40ce'), '***');
  });

  it('ignores empty and very short values', () => {
    registerSecret('');
    registerSecret('ab');
    registerCredentials({ username: 'u', password: undefined });
    assert.equal(redact('ab u'), 'ab u');
  });
});
