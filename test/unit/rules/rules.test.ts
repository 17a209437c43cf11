import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { ConfigError, formatRuleFile, parseConfigBytes, parseRules, type Rule, type RuleDefaults } from '../../../lib/rules/index.js';

const D = `sha256:${'b'.repeat(64)}`;
const E = `sha256:${'e'.repeat(64)}`;
const noLines = (): undefined => undefined;
const parse = (value: unknown, defaults: RuleDefaults = {}): Rule[] => parseRules(value, 'rule.yaml', noLines, defaults);
const parseText = (text: string, defaults: RuleDefaults = {}): Rule[] => {
  const f = parseConfigBytes('rule.yaml', Buffer.from(text));
  return parseRules(f.value, f.file, f.lineOf, defaults);
};
const one = (source: string, target: string | null, defaults: RuleDefaults = {}): Rule => parse({ [source]: target }, defaults)[0]!;
const configError = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  return assert.fail('expected a ConfigError');
};

describe('parseRules: sources', () => {
  const cases: Array<[string, Rule['source']]> = [
    ['reg.io/ns/app', { registry: 'reg.io', repository: 'ns/app', selection: { kind: 'all' } }],
    ['reg.io/ns/sub/app:v1', { registry: 'reg.io', repository: 'ns/sub/app', selection: { kind: 'tags', tags: ['v1'] } }],
    ['reg.io/ns/app:v1,v2, v3,v1', { registry: 'reg.io', repository: 'ns/app', selection: { kind: 'tags', tags: ['v1', 'v2', 'v3'] } }],
    [`reg.io/ns/app@${D}`, { registry: 'reg.io', repository: 'ns/app', selection: { kind: 'digest', digest: D } }],
    [`reg.io/ns/app:v1@${D}`, { registry: 'reg.io', repository: 'ns/app', selection: { kind: 'digest', digest: D, tag: 'v1' } }],
    ['nginx', { registry: 'docker.io', repository: 'library/nginx', selection: { kind: 'all' } }],
    ['library/nginx:latest', { registry: 'docker.io', repository: 'library/nginx', selection: { kind: 'tags', tags: ['latest'] } }],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx', selection: { kind: 'tags', tags: ['1'] } }],
    ['registry.hub.docker.com/bitnami/redis', { registry: 'docker.io', repository: 'bitnami/redis', selection: { kind: 'all' } }],
    ['localhost:5000/repo:t', { registry: 'localhost:5000', repository: 'repo', selection: { kind: 'tags', tags: ['t'] } }],
    ['127.0.0.1:5000/repo', { registry: '127.0.0.1:5000', repository: 'repo', selection: { kind: 'all' } }],
    ['  reg.io/ns/app:v1  ', { registry: 'reg.io', repository: 'ns/app', selection: { kind: 'tags', tags: ['v1'] } }],
    [`reg.io/a/b:${'t'.repeat(128)}`, { registry: 'reg.io', repository: 'a/b', selection: { kind: 'tags', tags: ['t'.repeat(128)] } }],
  ];
  for (const [source, expected] of cases) {
    it(source.length > 60 ? `${source.slice(0, 60)}…` : source, () => assert.deepEqual(one(source, 'tcr.io/mirror/x').source, expected));
  }
});

describe('parseRules: targets', () => {
  const cases: Array<[string, string | null, RuleDefaults, Rule['target']]> = [
    ['reg.io/ns/app', 'tcr.io/mirror/app', {}, { registry: 'tcr.io', repository: 'mirror/app' }],
    ['reg.io/ns/app:v1', 'tcr.io/mirror/app:v2', {}, { registry: 'tcr.io', repository: 'mirror/app', tag: 'v2' }],
    ['reg.io/ns/app:v1', 'tcr.io/mirror/app', {}, { registry: 'tcr.io', repository: 'mirror/app' }],
    ['reg.io/ns/app:v1', 'reg.io/ns/app:v2', {}, { registry: 'reg.io', repository: 'ns/app', tag: 'v2' }],
    ['reg.io/ns/app:v1,v2', 'tcr.io/ns/app:v1,v2', {}, { registry: 'tcr.io', repository: 'ns/app' }],
    [`reg.io/ns/app@${D}`, 'tcr.io/ns/app:pinned', {}, { registry: 'tcr.io', repository: 'ns/app', tag: 'pinned' }],
    [`reg.io/ns/app@${D}`, `tcr.io/ns/app@${D}`, {}, { registry: 'tcr.io', repository: 'ns/app' }],
    [`reg.io/ns/app:v1@${D}`, 'tcr.io/ns/app', {}, { registry: 'tcr.io', repository: 'ns/app' }],
    ['reg.io/ns/app', 'nginx', {}, { registry: 'docker.io', repository: 'library/nginx' }],
    ['reg.io/team/app:v1', '', { defaultRegistry: 'tcr.io' }, { registry: 'tcr.io', repository: 'team/app' }],
    ['reg.io/team/app:v1', null, { defaultRegistry: 'tcr.io' }, { registry: 'tcr.io', repository: 'team/app' }],
    ['reg.io/team/sub/app', '', { defaultRegistry: 'tcr.io', defaultNamespace: 'mirror' }, { registry: 'tcr.io', repository: 'mirror/sub/app' }],
    ['reg.io/app', '', { defaultRegistry: 'tcr.io', defaultNamespace: 'mirror' }, { registry: 'tcr.io', repository: 'mirror/app' }],
    ['nginx:1', '', { defaultRegistry: 'localhost:5000' }, { registry: 'localhost:5000', repository: 'library/nginx' }],
    ['nginx:1', '', { defaultRegistry: 'tcr.io/hub/', defaultNamespace: 'official' }, { registry: 'tcr.io', repository: 'hub/official/nginx' }],
    ['reg.io/a/b', '', { defaultRegistry: 'index.docker.io' }, { registry: 'docker.io', repository: 'a/b' }],
  ];
  for (const [source, target, defaults, expected] of cases) {
    it(`${source} -> ${JSON.stringify(target)} ${JSON.stringify(defaults)}`, () => assert.deepEqual(one(source, target, defaults).target, expected));
  }

  it('accepts the list form, several targets per source, in file order with stable ids', () => {
    const rules = parse(
      [
        { source: 'reg.io/a/b:v1', target: ['x.io/a/b', 'y.io/a/b:w'] },
        { source: 'reg.io/c/d', target: 'z.io/c/d' },
        { source: 'reg.io/e/f' },
        { source: 'reg.io/g/h', target: null },
      ],
      { defaultRegistry: 'tcr.io' },
    );
    assert.deepEqual(
      rules.map((r) => `${r.id} ${r.target.registry}/${r.target.repository}:${r.target.tag ?? '-'}`),
      ['rule-1 x.io/a/b:-', 'rule-2 y.io/a/b:w', 'rule-3 z.io/c/d:-', 'rule-4 tcr.io/e/f:-', 'rule-5 tcr.io/g/h:-'],
    );
  });

  it('records the line of each rule, in both forms', () => {
    assert.deepEqual(
      parseText('# c\nreg.io/a/b:v1: x.io/a\n\nreg.io/a/b: x.io/b\n').map((r) => r.line),
      [2, 4],
    );
    assert.deepEqual(
      parseText('- source: reg.io/a/b\n  target: [x.io/a, y.io/a]\n- source: reg.io/a/b\n  target: z.io/a\n').map((r) => r.line),
      [1, 1, 3],
    );
    assert.deepEqual(
      parseText('{"reg.io/a/b": "x.io/a"}').map((r) => [r.sourceText, r.targetText, r.line]),
      [['reg.io/a/b', 'x.io/a', 1]],
    );
  });
});

describe('parseRules: errors', () => {
  const long = 't'.repeat(129);
  const cases: Array<[string, unknown, RegExp, RuleDefaults?]> = [
    ['a file of comments only', null, /^rule\.yaml: the rule file has no rules$/],
    ['an empty map', {}, /^rule\.yaml: the rule file has no rules$/],
    ['an empty list', [], /the rule file has no rules/],
    ['a scalar document', 'nginx', /expected a map of "source: target" or a list of \{source, target\}, got a string/],
    ['a number target', { 'reg.io/a/b:v1': 42 }, /reg\.io\/a\/b:v1: target must be a string, got a number/],
    ['a nested map target', { 'reg.io/a/b:v1': { nested: 'map' } }, /target must be a string, got a map/],
    ['a list target in the map form', { 'reg.io/a/b:v1': ['x.io/a'] }, /got a list \(several targets need the list form/],
    ['a boolean target', { 'reg.io/a/b:v1': true }, /target must be a string, got a boolean/],
    ['an unknown key in the list form', [{ source: 'reg.io/a/b', target: 'x.io/a', tgt: 'y' }], /\[0\]\.tgt: unknown key \(expected source and target\)/],
    ['a list item without source', [{ target: 'x.io/a' }], /\[0\]\.source: Invalid input/],
    ['a number source in the list form', [{ source: 42 }], /\[0\]\.source: Invalid input: expected string, received number/],
    ['a string list item', ['reg.io/a/b'], /\[0\]: Invalid input: expected object/],
    ['an empty target list', [{ source: 'reg.io/a/b', target: [] }], /\[0\]\.target: /],
    ['an uppercase repository', { 'reg.io/A/b': 'x.io/a' }, /source: invalid image reference "reg\.io\/A\/b": repository component "A" must be lowercase/],
    ['a scheme', { 'http://reg.io/a/b': 'x.io/a' }, /invalid image reference .*without a scheme/],
    ['a bad digest', { 'reg.io/a/b@sha:1': 'x.io/a' }, /is not a digest/],
    ['an empty source', { '': 'x.io/a' }, /source is empty/],
    ['a 129-character tag', { [`reg.io/a/b:${long}`]: 'x.io/a' }, /tag "t{20}…" is 129 characters long; a tag must match .* \(at most 128 characters\)/],
    ['a 129-character tag in a list', { [`reg.io/a/b:v1,${long}`]: 'x.io/a' }, /is 129 characters long/],
    ['a 129-character target tag', { 'reg.io/a/b:v1': `x.io/a:${long}` }, /is 129 characters long/],
    ['an invalid tag in a list', { 'reg.io/a/b:v1,-x': 'x.io/a' }, /tag "-x" must match/],
    ['an empty tag in a list', { 'reg.io/a/b:v1,,v2': 'x.io/a' }, /tag list "v1,,v2" has an empty tag/],
    ['a tag list with a digest', { [`reg.io/a/b:v1,v2@${D}`]: 'x.io/a' }, /a tag list cannot be combined with a digest/],
    ['path traversal in the source', { 'reg.io/a/../../etc/passwd:v1': 'x.io/a' }, /path components "\." and "\.\." are not allowed/],
    ['path traversal in the target', { 'reg.io/a/b:v1': 'reg.io/../x:v1' }, /target: invalid image reference .*"\.\."/],
    ['path traversal in --ns', { 'reg.io/a/b:v1': '' }, /target: invalid image reference .*"\.\."/, { defaultRegistry: 'tcr.io', defaultNamespace: '..' }],
    ['all tags to a tagged target', { 'reg.io/a/b': 'x.io/a:v1' }, /source without a tag \(all tags\) cannot map to a target with a tag/],
    ['a tag list to a tagged target', { 'reg.io/a/b:v1,v2': 'x.io/a:v3' }, /multi-tags source should not correspond to a target with tag/],
    ['a tag list to a different tag list', { 'reg.io/a/b:v1,v2': 'x.io/a:v2,v1' }, /multi-tags source should not correspond to a target with tag/],
    ['a digest target for a tag source', { 'reg.io/a/b:v1': `x.io/a@${D}` }, /target must not be a digest other than the source digest/],
    ['a different digest target', { [`reg.io/a/b@${D}`]: `x.io/a@${E}` }, /target must not be a digest other than the source digest/],
    ['an empty target without --registry', { 'reg.io/a/b:v1': '' }, /target is empty and no --registry default is set/],
    ['a null target without --registry', { 'reg.io/a/b:v1': null }, /target is empty and no --registry default is set/],
    ['a --registry that is no host', { 'reg.io/a/b:v1': '' }, /--registry "myreg" is not a registry host/, { defaultRegistry: 'myreg' }],
    ['a --registry with a bad port', { 'reg.io/a/b:v1': '' }, /--registry "reg\.io:99999x" is not valid/, { defaultRegistry: 'reg.io:99999x' }],
    ['a copy onto itself', { 'reg.io/a/b:v1': 'reg.io/a/b' }, /source and target are the same image/],
    ['a default target onto itself', { 'reg.io/a/b': '' }, /source and target are the same image/, { defaultRegistry: 'reg.io' }],
    ['a Docker Hub alias onto itself', { 'docker.io/library/nginx:1': 'index.docker.io/library/nginx:1' }, /same image/],
  ];
  for (const [name, value, expected, defaults] of cases) {
    it(`refuses ${name}`, () => {
      const err = configError(() => parse(value, defaults ?? {}));
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.ok(err.message.startsWith('rule.yaml'), err.message);
      assert.match(err.message, expected);
      assert.ok(err.message.length < 1000, 'short message');
    });
  }

  it('reports every problem of every rule at once, with the line and the key', () => {
    const text = [
      'reg.io/A/b: x.io/a',
      'reg.io/a/b: x.io/a:v1',
      'reg.io/a/c:v1,v2: x.io/a:v3',
      'reg.io/a/d:v1: 42',
      'reg.io/a/e:v1: x.io/ok',
      'reg.io/B/f: x.io/C',
      '',
    ].join('\n');
    const err = configError(() => parseText(text));
    assert.deepEqual(
      err.issues.map((i) => [i.line, i.key]),
      [
        [1, 'reg.io/A/b'],
        [2, 'reg.io/a/b'],
        [3, 'reg.io/a/c:v1,v2'],
        [4, 'reg.io/a/d:v1'],
        [6, 'reg.io/B/f'],
      ],
    );
    assert.equal(err.message.split('\n').length, 5);
    assert.match(err.message.split('\n')[1]!, /^rule\.yaml:2: reg\.io\/a\/b: source without a tag/);
    assert.match(err.issues[4]!.message, /source: .*"B".*; target: .*"C"/);
  });

  it('points list-form problems at their item and key', () => {
    const err = configError(() =>
      parseText(
        '- source: reg.io/a/b\n  target: x.io/a\n- source: reg.io/a/c\n  target: x.io/c\n  tags: [v1]\n- source: reg.io/a/d\n  target: [x.io/D, y.io/d:v1]\n',
      ),
    );
    assert.deepEqual(
      err.issues.map((i) => [i.line, i.key]),
      [
        [5, '[1].tags'],
        [6, 'reg.io/a/d'],
        [6, 'reg.io/a/d'],
      ],
    );
    assert.match(err.issues[1]!.message, /"x\.io\/D"/);
    assert.match(err.issues[2]!.message, /all tags\) cannot map/);
  });
});

const registry = fc.constantFrom('reg.io', 'tcr.io', 'localhost:5000', '127.0.0.1:5001', 'docker.io');
const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:[._-][a-z0-9]{1,4})?$/);
const repo = fc.array(component, { minLength: 2, maxLength: 3 }).map((parts) => parts.join('/'));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);
/** A source text and a target text that are valid together. */
const validPair = fc
  .tuple(registry, repo, registry, repo, fc.option(tag), fc.option(tag), fc.option(digest), fc.array(tag, { minLength: 2, maxLength: 3 }), fc.nat(3))
  .map(([sr, sp, tr, tp, stag, ttag, dig, tags, form]) => {
    const target = `${tr}/${tp}x`;
    if (form === 0) return { source: `${sr}/${sp}`, target };
    if (form === 1) return { source: `${sr}/${sp}:${[...new Set(tags)].join(',')}`, target };
    if (form === 2) return { source: `${sr}/${sp}${stag ? `:${stag}` : ''}@${dig ?? D}`, target: ttag ? `${target}:${ttag}` : target };
    return { source: `${sr}/${sp}:${stag ?? 'v1'}`, target: ttag ? `${target}:${ttag}` : target };
  });
const strip = (rules: Rule[]) => rules.map(({ line: _line, ...rest }) => rest);

describe('formatRuleFile', () => {
  it('writes the map form, or the list form when a source repeats', () => {
    const map = formatRuleFile([{ source: 'reg.io/a/b:v1', target: 'x.io/a/b:v1' }]);
    assert.match(map, /^# .*\nreg\.io\/a\/b:v1: x\.io\/a\/b:v1\n$/);
    const list = formatRuleFile([
      { source: 'reg.io/a/b:v1', target: 'x.io/a/b' },
      { source: 'reg.io/a/b:v1', target: 'y.io/a/b' },
    ]);
    assert.match(list, /- source: reg\.io\/a\/b:v1\n {2}target: x\.io\/a\/b\n/);
  });

  it('round-trips: parsing the written file gives the same rules (property)', () => {
    fc.assert(
      fc.property(fc.array(validPair, { minLength: 1, maxLength: 6 }), fc.boolean(), (pairs, repeat) => {
        const all = repeat ? [...pairs, { ...pairs[0]!, target: `${pairs[0]!.target.split(':')[0]!.replace(/@.*/, '')}y` }] : pairs;
        const expected = parse(all.map((p) => ({ source: p.source, target: p.target })));
        assert.deepEqual(strip(parseText(formatRuleFile(all))), strip(expected));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseRules: robustness', () => {
  it('never throws anything but a ConfigError, whatever the input (property)', () => {
    const junk = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.double(),
        fc.constant(null),
        fc.constant(undefined),
        fc.boolean(),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
        fc.record({ source: tie('value'), target: tie('value') }, { requiredKeys: [] }),
      ),
    })).value;
    const refish = fc.stringMatching(/^[a-zA-Z0-9.:/@,_ -]{0,60}$/);
    const ruleish = fc.oneof(
      fc.dictionary(refish, fc.oneof(refish, fc.constant(null), fc.constant('')), { maxKeys: 4 }),
      fc.array(fc.record({ source: refish, target: fc.oneof(refish, fc.array(refish, { maxLength: 3 })) }, { requiredKeys: ['source'] }), { maxLength: 4 }),
    );
    const defaults = fc.record(
      { defaultRegistry: fc.option(refish, { nil: undefined }), defaultNamespace: fc.option(refish, { nil: undefined }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(junk, ruleish), defaults, (value, d) => {
        try {
          const rules = parse(value, d);
          assert.ok(rules.length > 0);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          assert.ok(err.issues.length > 0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but a ConfigError on arbitrary text (property)', () => {
    const text = fc.oneof(
      fc.string(),
      fc
        .array(fc.constantFrom('a', ':', ' ', '\n', '- ', 'source', 'target', '[', '{', '"', '&x', '*x', '!t', '#', 'reg.io/a/b', ','), { maxLength: 30 })
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        try {
          parseText(t, { defaultRegistry: 'tcr.io' });
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips YAML dumped by js-yaml in both forms', () => {
    const pairs = [
      { source: 'reg.io/a/b:v1', target: 'x.io/a/b:v1' },
      { source: `reg.io/a/c@${D}`, target: `x.io/a/c@${D}` },
    ];
    const rules = parse(yaml.load(formatRuleFile(pairs)));
    assert.deepEqual(
      rules.map((r) => [r.sourceText, r.targetText]),
      pairs.map((p) => [p.source, p.target]),
    );
  });
});
