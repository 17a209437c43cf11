import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandRuleV2, selectTags, versionOf } from '../../../lib/planner/index.js';
import { ConfigError, parseConfigBytes, parseRuleFile, type RuleV2, type TagFilter } from '../../../lib/rules/index.js';

const parse = (text: string): RuleV2[] => parseRuleFile(parseConfigBytes('rules.yaml', Buffer.from(text))) as RuleV2[];
const issuesOf = (text: string): string[] => {
  try {
    parse(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message.split('\n');
  }
  assert.fail('expected a ConfigError');
};

const FULL = `version: 2
defaults:
  overwrite: if-changed
  referrers: true
rules:
  - source: src.example.com/team/app
    target: dst.example.com/mirror/{{name}}
    tags:
      include: ['v.*']
      exclude: ['.*-rc.*']
      semver: '>=1.0 <3'
      latest: 2
    platforms: [linux/amd64, linux/arm64]
    backup: '{{tag}}-before-{{date}}'
  - source: src.example.com/team
    repositories: { include: ['svc-.*'], exclude: ['svc-tmp'] }
    target: dst.example.com/copy
    tags: { pushedWithin: 90d }
    overwrite: never
    referrers: { artifactTypes: [application/vnd.dev.cosign.artifact.sig.v1+json] }
  - source: src.example.com/base
    target: dst.example.com/base
    digests: ['sha256:${'a'.repeat(64)}']
`;

describe('version 2 rule files', () => {
  it('reads every field, with the defaults merged in', () => {
    const [a, b, c] = parse(FULL);
    assert.equal(a!.source.registry, 'src.example.com');
    assert.equal(a!.source.repository, 'team/app');
    assert.equal(a!.target.repositoryTemplate, 'mirror/{{name}}');
    assert.deepEqual(a!.platforms, ['linux/amd64', 'linux/arm64']);
    assert.equal(a!.tags?.latest, 2);
    assert.equal(a!.tags?.sortBy, 'semver');
    assert.deepEqual(a!.referrers, {});
    assert.equal(a!.line, 6);
    assert.equal(b!.source.repository, 'team');
    assert.ok(b!.source.catalog);
    assert.equal(b!.target.repositoryTemplate, 'copy/{{path}}', 'a catalog target without placeholders is a prefix');
    assert.equal(b!.tags?.pushedWithinMs, 90 * 86_400_000);
    assert.equal(b!.overwrite, 'never');
    assert.deepEqual(b!.referrers, { artifactTypes: ['application/vnd.dev.cosign.artifact.sig.v1+json'] });
    assert.equal(c!.tags, undefined);
    assert.equal(c!.digests?.length, 1);
  });

  it('reports every problem with its file, line and field', () => {
    const lines = issuesOf(`version: 2
rules:
  - source: src.example.com/team/app:v1
    target: dst.example.com/x
  - source: src.example.com/a
    target: dst.example.com/{{nope}}
    tags:
      semver: 'not a range'
  - source: src.example.com/b
    target: dst.example.com/b
    tags:
      include: ['(unclosed']
    platforms: [amd64]
    colour: blue
  - source: src.example.com/c
    target: dst.example.com/c
    backup: '{{tag}}-x'
    overwrite: never
`);
    const expect = [
      /^rules\.yaml:3: rules\[0\]\.source: write the repository only/,
      /^rules\.yaml:6: rules\[1\]\.target: unknown placeholder \{\{nope\}\}/,
      /^rules\.yaml:13: rules\[2\]\.platforms\[0\]: expected os\/arch/,
      /^rules\.yaml:14: rules\[2\]\.colour: unknown key/,
      /^rules\.yaml:17: rules\[3\]\.backup: backup needs an overwrite/,
    ];
    for (const re of expect)
      assert.ok(
        lines.some((l) => re.test(l)),
        `${re} in\n${lines.join('\n')}`,
      );
  });

  it('reports a bad regular expression and a bad range on their lines', () => {
    const lines = issuesOf(`version: 2
rules:
  - source: src.example.com/b
    target: dst.example.com/b
    tags:
      include: ['(unclosed']
  - source: src.example.com/a
    target: dst.example.com/a
    tags:
      semver: 'not a range'
`);
    assert.ok(
      lines.some((l) => /^rules\.yaml:6: rules\[0\]\.include: "\(unclosed" is not a valid regular expression/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^rules\.yaml:10: rules\[1\]\.semver: "not a range" is not a semver range/.test(l)),
      lines.join('\n'),
    );
  });

  it('refuses an unknown version and top-level keys', () => {
    assert.ok(issuesOf('version: 3\nrules: []\n').some((l) => /version/.test(l)));
    assert.ok(issuesOf('version: 2\nrules:\n  - {source: a.io/x, target: b.io/x}\nextra: 1\n').some((l) => /extra: unknown key/.test(l)));
  });

  it('still reads the original format', () => {
    const rules = parseRuleFile(parseConfigBytes('r.yaml', Buffer.from('a.io/x: b.io/y\n')));
    assert.equal('version' in rules[0]!, false);
  });
});

describe('tag selection', () => {
  const filter = (f: Partial<TagFilter>): TagFilter => ({ prerelease: false, sortBy: 'semver', ...f });
  const none = async () => undefined;
  const tags = ['latest', 'v1.0.0', 'v1.2.0', '1.3', 'v2.0.0-rc.1', 'v2.0.0', 'v2.1.0', 'dev-7'];
  const now = new Date('2026-06-01T00:00:00Z');

  it('reads versions loosely', () => {
    assert.equal(versionOf('v1.2.3'), '1.2.3');
    assert.equal(versionOf('1.3'), '1.3.0');
    assert.equal(versionOf('latest'), undefined);
  });

  it('filters by anchored regex, semver range and latest N', async () => {
    assert.deepEqual(await selectTags(tags, filter({ include: [/^(?:v1.*)$/] }), none, now), ['v1.0.0', 'v1.2.0']);
    assert.deepEqual(await selectTags(tags, filter({ exclude: [/^(?:v.*|1.*)$/] }), none, now), ['latest', 'dev-7']);
    assert.deepEqual(await selectTags(tags, filter({ semver: '>=1.2 <2.1' }), none, now), ['v1.2.0', '1.3', 'v2.0.0']);
    assert.deepEqual(await selectTags(tags, filter({ semver: '^2', prerelease: true }), none, now), ['v2.0.0-rc.1', 'v2.0.0', 'v2.1.0']);
    assert.deepEqual(await selectTags(tags, filter({ latest: 2 }), none, now), ['v2.1.0', 'v2.0.0']);
    assert.deepEqual(await selectTags(tags, filter({ list: ['v1.0.0', 'latest'], include: [/^(?:v.*)$/] }), none, now), ['v1.0.0']);
  });

  it('uses creation times only for pushedWithin and latest by push time, and only for the tags left', async () => {
    const created: Record<string, string> = { latest: '2026-05-30T00:00:00Z', 'v2.1.0': '2026-05-01T00:00:00Z', 'dev-7': '2025-01-01T00:00:00Z' };
    const asked: string[] = [];
    const createdOf = async (t: string) => {
      asked.push(t);
      return created[t] ? new Date(created[t]!) : undefined;
    };
    assert.deepEqual(await selectTags(tags, filter({ exclude: [/^(?:v1.*|1.*)$/], pushedWithinMs: 60 * 86_400_000 }), createdOf, now), ['latest', 'v2.1.0']);
    assert.equal(asked.includes('v1.0.0'), false);
    assert.deepEqual(await selectTags(tags, filter({ latest: 2, sortBy: 'pushed' }), createdOf, now), ['latest', 'v2.1.0']);
    assert.deepEqual(await selectTags(tags, filter({ list: ['v1.0.0'] }), async () => assert.fail('no metadata needed'), now), ['v1.0.0']);
  });
});

describe('version 2 expansion', () => {
  it('renders the target path, the backup tag and carries the options', () => {
    const [rule] = parse(`version: 2
rules:
  - source: src.example.com/team
    repositories: {}
    target: dst.example.com/mirror/{{namespace}}/x-{{name}}
    platforms: [linux/arm64]
    backup: 'old-{{tag}}-{{date}}'
    referrers: true
`);
    const tasks = expandRuleV2(rule!, 'team/sub/app', ['v1'], { runId: 'r1', now: new Date('2026-02-03T04:05:06Z') });
    assert.equal(tasks.length, 1);
    assert.deepEqual(tasks[0]!.target, { registry: 'dst.example.com', repository: 'mirror/team/sub/x-app', reference: 'v1' });
    assert.equal(tasks[0]!.backupTag, 'old-v1-20260203');
    assert.deepEqual(tasks[0]!.platforms, ['linux/arm64']);
    assert.deepEqual(tasks[0]!.referrers, {});
    const flat = expandRuleV2(rule!, 'app', ['v1'], { runId: 'r1', now: new Date() });
    assert.equal(flat[0]!.target.repository, 'mirror/x-app', 'an empty namespace leaves no empty path component');
  });

  // survivors of the mutation run (docs/mutation-testing.md): expand-v2 lines 30 and 33
  it('carries the selected referrer artifact types, and adds one task per listed digest, addressed by digest', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const [rule] = parse(`version: 2
rules:
  - source: src.example.com/team/app
    target: dst.example.com/mirror/app
    tags: { list: [v1] }
    digests: ['${digest}']
    referrers: { artifactTypes: [application/vnd.dev.cosign.artifact.sig.v1+json] }
`);
    const tasks = expandRuleV2(rule!, 'team/app', ['v1'], { runId: 'r1', now: new Date() });
    assert.deepEqual(
      tasks.map((t) => t.source.reference),
      ['v1', digest],
    );
    assert.deepEqual(tasks[1]!.target.reference, digest, 'a digest goes to the same digest at the target');
    for (const t of tasks) assert.deepEqual(t.referrers, { artifactTypes: ['application/vnd.dev.cosign.artifact.sig.v1+json'] });
  });
});
