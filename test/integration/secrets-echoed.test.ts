import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import type { TransferTask } from '../../lib/planner/index.js';
import { RegistryPool } from '../../lib/registry/index.js';
import { runKeys, type ObjectStore } from '../../lib/store/index.js';
import { transferAndRecord } from '../../lib/usecases/index.js';
import { BlobCoordinator } from '../../lib/copy/index.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { startEchoRegistry, type EchoRefusal } from '../support/echo-registry.js';

// Findings 5 and 4b of the hostile-registry review: a registry's error body that repeats the
// credentials, or carries control characters, reaches no output as is.

const AUTH = { username: 'echo-user', password: 'echo/pa ss+7Qx&z' };
const PAIR = `${AUTH.username}:${AUTH.password}`;
const B64 = Buffer.from(PAIR).toString('base64');

/** Every form of the credential a registry could echo: plain, pair, Basic base64 (std and url), URL-encoded. */
const FORMS = [AUTH.password, PAIR, B64, Buffer.from(PAIR).toString('base64url')].flatMap((f) => [f, encodeURIComponent(f)]);

const echoMessage = (authorization: string): string =>
  `access denied for "${authorization}" (pair ${PAIR}, password ${AUTH.password}, ` +
  `urlencoded ${encodeURIComponent(AUTH.password)} ${encodeURIComponent(PAIR)} ${encodeURIComponent(B64)}, base64url ${Buffer.from(PAIR).toString('base64url')})`;

const HOSTILE_TEXT = 'line one\nFORGED\tinfo\tall good\r\u001b[31mred\u001b[2J\u009b0m';

interface Outputs {
  readonly code: number | null;
  readonly text: string;
  readonly files: Record<string, string>;
  readonly stdout: string;
}

describe('what a registry echoes reaches no output as is', () => {
  let dir: string;
  let n = 0;

  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-secrets-echoed-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(refuse: EchoRefusal, output: 'text' | 'json', message: (authorization: string) => string): Promise<Outputs & { host: string }> {
    const echo = await startEchoRegistry({ refuse, auth: AUTH, message });
    try {
      const name = `run${(n += 1)}`;
      const security = join(dir, `${name}.security.yaml`);
      writeFileSync(security, yaml.dump({ [echo.host]: { username: AUTH.username, password: '${ECHO_PASSWORD}', insecure: true } }));
      const rules = join(dir, `${name}.rule.yaml`);
      writeFileSync(rules, yaml.dump({ [`${echo.host}/src/app:v1`]: `${echo.host}/dst/app:v1` }));
      const reports = join(dir, name);
      const logFile = join(dir, `${name}.log`);
      const r = await runCli(
        [
          `--securityFile=${security}`,
          `--ruleFile=${rules}`,
          `--report-dir=${reports}`,
          '--retry=0',
          `--output=${output}`,
          '--progress=plain',
          `--log-output-paths=${logFile}`,
        ],
        { env: { ECHO_PASSWORD: AUTH.password, DOCKER_CONFIG: '/nonexistent' }, killAfterMs: 60_000 },
      );
      assert.ok(echo.refused() > 0, `the registry refused a request:\n${r.stdout}${r.stderr}`);
      const [runId] = readdirSync(reports);
      const files: Record<string, string> = { 'log file': readFileSync(logFile, 'utf8') };
      for (const f of readdirSync(join(reports, runId!))) files[f] = readFileSync(join(reports, runId!, f), 'utf8');
      return { code: r.code, stdout: r.stdout, text: `${r.stdout}\n${r.stderr}`, files, host: echo.host };
    } finally {
      await echo.stop();
    }
  }

  for (const refuse of ['blob-get', 'manifest-put'] as const) {
    for (const output of ['text', 'json'] as const) {
      it(`403 to a ${refuse} echoing the credentials (--output=${output}): no form of them in any output, the failure still named`, async () => {
        const r = await run(refuse, output, echoMessage);
        assert.equal(r.code, 1, r.text);
        for (const name of ['report.json', 'report.md', 'report.html', 'failed.yaml']) assert.ok(r.files[name] !== undefined, `${name} written`);
        for (const [where, text] of Object.entries({ 'stdout and stderr': r.text, ...r.files })) {
          for (const form of FORMS) assert.ok(!text.includes(form), `${where} carries ${JSON.stringify(form)}:\n${text}`);
        }
        const failed = (
          JSON.parse(r.files['report.json']!) as { results: Array<{ status: string; source: string; error?: { message: string } }> }
        ).results.find((x) => x.status === 'failed');
        assert.ok(failed?.error, r.files['report.json']);
        assert.equal(failed.source, `${r.host}/src/app:v1`);
        assert.match(
          failed.error.message,
          new RegExp(`${refuse === 'blob-get' ? 'GET' : 'PUT'} http://${r.host}/v2/(src|dst)/app/.*: 403 DENIED: access denied for`),
        );
        if (output === 'text') assert.ok(r.stdout.includes(`FAILED ${r.host}/src/app:v1 -> ${r.host}/dst/app:v1: `), r.stdout);
        else assert.equal(JSON.parse(r.stdout).totals.failed, 1);
      });
    }
  }

  it('a registry message with \\n, \\r and ESC sequences: one escaped log line, no raw control byte in any text output', async () => {
    const r = await run('manifest-put', 'text', () => HOSTILE_TEXT);
    assert.equal(r.code, 1, r.text);
    const escaped = 'line one\\nFORGED\\tinfo\\tall good\\r\\x1b[31mred\\x1b[2J\\u009b0m';
    const errorLines = r.text.split('\n').filter((l) => /\terror\t/.test(l));
    assert.equal(errorLines.length, 1, r.text);
    assert.ok(errorLines[0]!.includes(escaped), errorLines[0]);
    assert.ok(!r.text.split('\n').some((l) => l.startsWith('FORGED')), 'no line starts where the registry put a newline');
    assert.ok(r.stdout.includes(escaped), r.stdout);
    for (const [where, text] of Object.entries({
      output: r.text,
      'log file': r.files['log file']!,
      'report.md': r.files['report.md']!,
      'report.html': r.files['report.html']!,
    })) {
      // tabs and newlines are the tool's own separators; the registry's are asserted escaped above
      assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, `${where} carries a raw control character`);
    }
  });

  it('the serverless path: the result a transfer function stores carries no form of the credentials', async () => {
    const echo = await startEchoRegistry({ refuse: 'manifest-put', auth: AUTH, message: echoMessage });
    const pool = new RegistryPool(() => ({ credentials: { ...AUTH }, insecure: true }));
    const stored = new Map<string, string>();
    const store: ObjectStore = {
      put: async (key, body) => void stored.set(key, String(body)),
      get: async (key) => stored.get(key),
      list: async () => [...stored.keys()],
    };
    const task: TransferTask = {
      runId: 'run-1',
      taskId: '0123456789abcdef',
      source: { registry: echo.host, repository: 'src/app', reference: 'v1' },
      target: { registry: echo.host, repository: 'dst/app', reference: 'v1' },
      overwrite: 'if-changed',
      rule: { source: `${echo.host}/src/app:v1`, target: `${echo.host}/dst/app:v1` },
    };
    try {
      const result = await transferAndRecord(
        { repository: (r, repo) => pool.repository(r, repo), coordinator: new BlobCoordinator(), blobConcurrency: 2, store },
        task,
      );
      assert.equal(result.status, 'failed');
      assert.match(result.error?.message ?? '', new RegExp(`PUT http://${echo.host}/v2/dst/app/manifests/v1: 403 DENIED`));
      assert.ok(stored.get(runKeys.result(task.runId, task.taskId)), 'a result was stored');
      for (const body of stored.values())
        for (const form of FORMS) assert.ok(!body.includes(form), `a stored object carries ${JSON.stringify(form)}:\n${body}`);
    } finally {
      await pool.close();
      await echo.stop();
    }
  });
});
