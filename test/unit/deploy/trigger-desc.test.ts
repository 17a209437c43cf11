import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameTriggerDesc } from '../../../lib/deploy/plan.js';
import { storedTriggerDesc } from '../../support/cloud/account.js';

// Invariant: a declared trigger equals what ListTriggers returns for it (SCF's stored form), and differs
// from it as soon as a declared value differs.
describe('sameTriggerDesc', () => {
  const url = JSON.stringify({ AuthType: 'CAM', NetConfig: { EnableIntranet: false, EnableExtranet: true } });

  it('matches a timer against its stored {"cron":...} form and a Function URL against the JSON with SCF defaults', () => {
    assert.ok(sameTriggerDesc('timer', '0 0 2 * * * *', storedTriggerDesc('timer', '0 0 2 * * * *')));
    assert.ok(sameTriggerDesc('timer', '0 0 2 * * * *', '0 0 2 * * * *'), 'an older plain form still matches');
    assert.ok(sameTriggerDesc('http', url, storedTriggerDesc('http', url)));
  });

  it('differs when a declared value differs', () => {
    assert.ok(!sameTriggerDesc('timer', '0 0 3 * * * *', storedTriggerDesc('timer', '0 0 2 * * * *')));
    const intranet = JSON.stringify({ AuthType: 'CAM', NetConfig: { EnableIntranet: true, EnableExtranet: false } });
    assert.ok(!sameTriggerDesc('http', intranet, storedTriggerDesc('http', url)));
    const open = JSON.stringify({ AuthType: 'NONE', NetConfig: { EnableIntranet: false, EnableExtranet: true } });
    assert.ok(!sameTriggerDesc('http', open, storedTriggerDesc('http', url)));
    assert.ok(!sameTriggerDesc('http', url, 'not json'));
  });
});
