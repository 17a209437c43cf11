import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram, toCliOptions } from '../../../lib/cli/options.js';

const parse = (argv: string[]) => toCliOptions(buildProgram('0.0.0').exitOverride().parse(argv, { from: 'user' }).opts());

describe('command-line options', () => {
  it('leaves requests unlimited without --qps (the original never applied its 100), and enforces a given one', () => {
    assert.equal(parse(['--ruleFile=r.yaml']).qps, undefined);
    assert.equal(parse(['--ruleFile=r.yaml', '--qps=40']).qps, 40);
    assert.throws(() => parse(['--ruleFile=r.yaml', '--qps=0']), /--qps/);
  });
});
