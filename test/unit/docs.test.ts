import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveDeployment } from '../../lib/deploy/index.js';
import { loadRuleFile } from '../../lib/rules/index.js';
import { loadSecurityFile } from '../../lib/credentials/index.js';
import { description } from '../../serverless.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { loadJobsFile } from '../../lib/cli/serve/jobs.js';
import yaml from 'js-yaml';

/** The flags of `image-transfer serve` (docs/serve.md). */
const SERVE_FLAGS = /^--(securityFile|listen|data-dir|jobs|workers|api-key-file|allow-internal|drain-timeout|log-level)=\S+$/;

// Invariant: the documentation is the product's. Its links resolve, its rule, security and deploy
// examples load with the real loaders, its flag table is the CLI's, and the README stays a front page.

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
const PAGES = [
  'README.md',
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const README_LIMIT = 12 * 1024;
/** Pages that are linked before they are written (by other changes); checked like any other once they exist. */
const PENDING = new Set(['docs/code-layout.md']);
const QUICK_START = ['npm ci && npm run demo', 'npm test'];

const read = (page: string): string => readFileSync(join(ROOT, page), 'utf8');

/** The text outside fenced code blocks, line numbers kept (fenced lines become empty). */
function prose(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const m = line.match(/^\s*(`{3,}|~{3,})/);
    if (fence) {
      if (m && m[1]!.startsWith(fence)) fence = undefined;
      return '';
    }
    if (m) {
      fence = m[1]!;
      return '';
    }
    return line;
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingSlugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const line of prose(markdown)) {
    const m = line.match(/^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!m) continue;
    const text = m[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*]/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

interface Link {
  readonly page: string;
  readonly line: number;
  readonly target: string;
}

function relativeLinks(page: string): Link[] {
  const links: Link[] = [];
  prose(read(page)).forEach((line, i) => {
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      links.push({ page, line: i + 1, target });
    }
  });
  return links;
}

/** Why a relative link is broken, or undefined. */
function brokenLink(link: Link): string | undefined {
  const [path = '', anchor] = link.target.split('#', 2);
  const file = path === '' ? join(ROOT, link.page) : resolve(dirname(join(ROOT, link.page)), decodeURIComponent(path));
  const name = relative(ROOT, file);
  if (!existsSync(file)) return PENDING.has(name) ? undefined : `${name} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${anchor} points into ${name}, which is not a Markdown page`;
  return headingSlugs(readFileSync(file, 'utf8')).has(anchor) ? undefined : `${name} has no heading #${anchor}`;
}

type Kind = 'rule-file' | 'security-file' | 'deploy-values' | 'jobs-file' | 'kubernetes';
interface Example {
  readonly page: string;
  readonly line: number;
  readonly kind: Kind;
  readonly text: string;
}

/**
 * Every ```yaml block of the docs, with the kind named by the `<!-- example: <kind> -->` line just above
 * it (kind undefined when there is none). Indentation of a block inside a list item is removed.
 */
function yamlBlocks(page: string): Array<Omit<Example, 'kind'> & { kind: string | undefined }> {
  const lines = read(page).split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.match(/^(\s*)```ya?ml\s*$/);
    if (!open) continue;
    const indent = open[1]!.length;
    const marker = lines[i - 1]?.match(/^\s*<!--\s*example:\s*([\w-]+)\s*-->\s*$/);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    blocks.push({ page, line: i + 1, kind: marker?.[1], text: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

const EXAMPLE_KINDS: readonly Kind[] = ['rule-file', 'security-file', 'deploy-values', 'jobs-file', 'kubernetes'];
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBdocs\n-----END CERTIFICATE-----\n';

/** Loads one example from a file in `dir` with the loader of its kind; throws what the loader throws. */
async function loadExample(example: Example, dir: string): Promise<void> {
  const file = join(dir, `${example.page.replace(/\W/g, '_')}-${example.line}.yaml`);
  writeFileSync(file, example.text);
  // Names the example relies on: ${VAR} references and files next to it (a CA).
  const env: Record<string, string> = {};
  for (const m of example.text.matchAll(/\$\{(\w+)\}/g)) env[m[1]!] = `value-of-${m[1]}`;
  for (const m of example.text.matchAll(/caFile:\s*(\S+)/g)) writeFileSync(resolve(dir, m[1]!), PEM);
  if (example.kind === 'rule-file') {
    const rules = await loadRuleFile(file, { defaultRegistry: 'tcr.example.com' });
    assert.ok(rules.length > 0, 'no rule loaded');
  } else if (example.kind === 'jobs-file') {
    assert.ok((await loadJobsFile(file)).length > 0, 'no job loaded');
  } else if (example.kind === 'kubernetes') {
    // the Deployment of the README: its container runs `serve` with flags serve accepts
    const deployment = yaml.load(example.text) as { kind: string; spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    assert.equal(deployment.kind, 'Deployment');
    const args = deployment.spec.template.spec.containers[0]!.args;
    assert.equal(args[0], 'serve');
    for (const arg of args.slice(1)) assert.ok(SERVE_FLAGS.test(arg), `${arg} is not a serve flag`);
  } else if (example.kind === 'security-file') {
    await loadSecurityFile(file, { env: { ...env, DOCKER_CONFIG: join(dir, 'no-docker-config') } });
  } else {
    await resolveDeployment(description, file);
  }
}

/** The long flags of the flag table that follows the `<!-- flag-table -->` (or `<!-- flag-table: <name>`) line of docs/command-line.md. */
function documentedFlags(name?: string): Set<string> {
  const lines = read('docs/command-line.md').split('\n');
  const start = lines.findIndex((l) =>
    name ? l.startsWith(`<!-- flag-table: ${name};`) : /^<!--\s*flag-table\b/.test(l) && !/^<!-- flag-table: \w+;/.test(l),
  );
  assert.ok(start >= 0, 'docs/command-line.md has no <!-- flag-table --> line before its flag table');
  const flags = new Set<string>();
  for (const row of lines.slice(start + 3)) {
    if (!row.startsWith('|')) break;
    const first = row.split(/(?<!\\)\|/)[1] ?? '';
    for (const m of first.matchAll(/--[A-Za-z][\w-]*/g)) flags.add(m[0]);
  }
  return flags;
}

/** The long flags `--help` lists under "Options:". */
function helpFlags(help: string): Set<string> {
  const flags = new Set<string>();
  const lines = help.split('\n');
  for (const line of lines.slice(lines.indexOf('Options:') + 1)) {
    if (line !== '' && !line.startsWith(' ')) break;
    const m = line.match(/^ {2}(?:-[A-Za-z], )?(--[A-Za-z][\w-]*)/);
    if (m) flags.add(m[1]!);
  }
  return flags;
}

describe('documentation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docs-examples-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every relative link of README.md and docs/*.md points to an existing file and heading', () => {
    const links = PAGES.flatMap(relativeLinks);
    assert.ok(links.length > 20, `only ${links.length} links found: the link scanner is broken`);
    const broken = links.flatMap((l) => {
      const why = brokenLink(l);
      return why ? [`${l.page}:${l.line}: (${l.target}) ${why}`] : [];
    });
    assert.deepEqual(broken, []);
  });

  it("computes GitHub's anchors", () => {
    const slugs = headingSlugs('# Verifying copies (`--verify`)\n## CCR personal edition → TCR\n## A_b c\n## A_b c\n```\n# not a heading\n```\n');
    assert.deepEqual([...slugs], ['verifying-copies---verify', 'ccr-personal-edition--tcr', 'a_b-c', 'a_b-c-1']);
  });

  const blocks = PAGES.flatMap(yamlBlocks);

  it('every ```yaml block is marked as a rule file, security file or deploy values example', () => {
    const unmarked = blocks
      .filter((b) => !EXAMPLE_KINDS.includes(b.kind as Kind))
      .map((b) => `${b.page}:${b.line}: ${b.kind ?? 'no <!-- example: <kind> --> line'}`);
    assert.deepEqual(unmarked, []);
    for (const kind of EXAMPLE_KINDS)
      assert.ok(
        blocks.some((b) => b.kind === kind),
        `no ${kind} example found`,
      );
  });

  for (const block of blocks.filter((b) => EXAMPLE_KINDS.includes(b.kind as Kind))) {
    it(`${block.page}:${block.line}: the ${block.kind} example loads`, async () => {
      await loadExample(block as Example, dir);
    });
  }

  it('the flag table of docs/command-line.md is the flags of --help, and the hidden ones are accepted', async () => {
    ensureBuilt();
    const help = await runCli(['--help']);
    assert.equal(help.code, 0, help.stderr);
    const listed = helpFlags(help.stdout);
    assert.ok(listed.has('--ruleFile') && listed.size > 20, `--help parsed into ${[...listed].join(' ')}`);
    const documented = documentedFlags();
    assert.deepEqual(
      [...listed].filter((f) => !documented.has(f)),
      [],
      'flags of --help missing from the table',
    );
    // Flags the table has and --help does not must be accepted anyway (the original's ignored flags).
    const hidden = [...documented].filter((f) => !listed.has(f));
    const missingRules = join(dir, 'no-such-rule.yaml');
    const run = await runCli([...hidden.map((f) => `${f}=1`), `--ruleFile=${missingRules}`, `--report-dir=${join(dir, 'reports')}`]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /no-such-rule\.yaml: file not found/, `a documented flag is unknown to the CLI: ${run.stderr}`);
  });

  it('the cloud flag table of docs/command-line.md is the flags of cloud start, status and watch --help', async () => {
    ensureBuilt();
    const listed = new Set<string>();
    for (const sub of ['start', 'status', 'watch']) {
      const help = await runCli(['cloud', sub, '--help']);
      assert.equal(help.code, 0, help.stderr);
      for (const f of helpFlags(help.stdout)) if (f !== '--help') listed.add(f);
    }
    assert.ok(listed.has('--url') && listed.has('--no-wait'), `cloud --help parsed into ${[...listed].join(' ')}`);
    assert.deepEqual([...listed].sort(), [...documentedFlags('cloud')].sort());
  });

  it('README.md is a front page: under 12 KiB, and its first fenced block is the two quick-start commands', () => {
    const readme = read('README.md');
    const size = Buffer.byteLength(readme);
    assert.ok(size < README_LIMIT, `README.md is ${size} bytes`);
    const first = readme.match(/^```[^\n]*\n([\s\S]*?)^```/m);
    assert.ok(first, 'README.md has no fenced block');
    const commands = first[1]!
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter(Boolean);
    assert.deepEqual(commands, QUICK_START);
  });
});
