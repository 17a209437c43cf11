import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CLI, ensureBuilt } from '../support/cli.js';

// Every CLI start parses dist/image-transfer.cjs; the COS and TCR SDKs (1.3 MB) are bundles of their own,
// required only by `report --cos` and `--ccrToTcr`, which cost ~11 MiB of RSS on every start when they were
// inside it (docs/benchmarks.md, Memory). Those commands' own tests (cloud-e2e, ccr-to-tcr) load them.

describe('CLI bundle', () => {
  before(() => ensureBuilt());

  it('keeps the COS and TCR SDKs out of the bundle every start parses, in files beside it', () => {
    const dist = dirname(CLI);
    const main = readFileSync(join(dist, 'image-transfer.cjs'), 'utf8');
    assert.ok(!main.includes('sliceUploadFile'), 'the COS SDK is inside dist/image-transfer.cjs');
    assert.ok(!main.includes('TC3-HMAC-SHA256'), 'the TCR SDK is inside dist/image-transfer.cjs');
    assert.ok(main.includes('"./sdk-cos.cjs"') && main.includes('"./sdk-tcr.cjs"'));
    assert.ok(readFileSync(join(dist, 'sdk-cos.cjs'), 'utf8').includes('sliceUploadFile'));
    assert.ok(existsSync(join(dist, 'sdk-tcr.cjs')));
  });
});
