import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { ConfigError, formatRuleFile, parseRules, type Rule } from '../../../lib/rules/index.js';

const D = `sha256:${'b'.repeat(64)}`;
const parse = (value: unknown, defaults = {}) => parseRules(value, 'rule.yaml', () => undefined, defaults);
const one = (source: string, target: string, defaults = {}): Rule => parse({ [source]: target }, defaults)[0]!;

describe('parseRules', () => {
  it('reads the original map form with its semantics', () => {
    assert.deepEqual(one('reg.io/ns/app', 'tcr.io/ns/app').source.selection, { kind: 'all' });
    assert.deepEqual(one('reg.io/ns/app:v1', 'tcr.io/ns/app:v2').target, { registry: 'tcr.io', repository: 'ns/app', tag: 'v2' });
    assert.deepEqual(one('reg.io/ns/app:v1,v2, v3', 'tcr.io/ns/app').source.selection, { kind: 'tags', tags: ['v1', 'v2', 'v3'] });
    assert.deepEqual(one('reg.io/ns/app:v1,v2', 'tcr.io/ns/app:v1,v2').target.tag, undefined);
    assert.deepEqual(one(`reg.io/ns/app:v1@${D}`, 'tcr.io/x').source.selection, { kind: 'digest', digest: D, tag: 'v1' });
    assert.deepEqual(one('nginx:1.25', 'tcr.io/mirror/nginx').source, { registry: 'docker.io', repository: 'library/nginx', selection: { kind: 'tags', tags: ['1.25'] } });
    assert.equal(one('localhost:5000/repo:t', 'tcr.io/x').source.registry, 'localhost:5000');
  });

  it('sends an empty target to --registry, replacing the namespace with --ns', () => {
    assert.deepEqual(one('reg.io/team/app:v1', '', { defaultRegistry: 'tcr.io' }).target, { registry: 'tcr.io', repository: 'team/app' });
    assert.deepEqual(one('reg.io/team/sub/app:v1', '', { defaultRegistry: 'tcr.io', defaultNamespace: 'mirror' }).target, { registry: 'tcr.io', repository: 'mirror/sub/app' });
    assert.throws(() => one('reg.io/team/app:v1', ''), /no --registry default/);
  });

  it('accepts the list form with several targets per source', () => {
    const rules = parse([{ source: 'reg.io/a/b:v1', target: ['x.io/a/b', 'y.io/a/b:w'] }, { source: 'reg.io/c/d' , target: 'z.io/c/d' }]);
    assert.deepEqual(rules.map((r) => `${r.target.registry}/${r.target.repository}:${r.target.tag ?? '-'}`), ['x.io/a/b:-', 'y.io/a/b:w', 'z.io/c/d:-']);
  });

  it('reports every problem at once', () => {
    try {
      parse({ 'reg.io/A/b': 'x.io/a', 'reg.io/a/b': 'x.io/a:v1', 'reg.io/a/c:v1,v2': 'x.io/a:v3', 'reg.io/a/d:v1': `x.io/a@${D}` });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues.length, 4);
      assert.match(err.message, /lowercase[\s\S]*all tags\) cannot map[\s\S]*multi-tags source[\s\S]*must not be a digest/);
    }
  });

  it('round-trips failed.yaml through formatRuleFile, in both forms', () => {
    for (const pairs of [
      [{ source: 'reg.io/a/b:v1', target: 'x.io/a/b:v1' }, { source: `reg.io/a/c@${D}`, target: 'x.io/a/c' }],
      [{ source: 'reg.io/a/b:v1', target: 'x.io/a/b:v1' }, { source: 'reg.io/a/b:v1', target: 'y.io/a/b:v1' }],
    ]) {
      const rules = parse(yaml.load(formatRuleFile(pairs)));
      assert.deepEqual(rules.map((r) => [r.sourceText, r.targetText]), pairs.map((p) => [p.source, p.target]));
    }
  });

  it('never throws anything but a ConfigError, whatever the input (property)', () => {
    const junk = fc.letrec((tie) => ({
      value: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 })),
    })).value;
    const refish = fc.stringMatching(/^[a-zA-Z0-9.:/@,_-]{0,40}$/);
    fc.assert(
      fc.property(fc.oneof(junk, fc.dictionary(refish, fc.oneof(refish, fc.constant(null)), { maxKeys: 4 })), (value) => {
        try {
          parse(value, { defaultRegistry: 'tcr.io' });
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
