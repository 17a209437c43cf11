// `npm run demo`: two throwaway registries on 127.0.0.1, a few generated images (one multi-arch),
// a real migration with the CLI and its progress display, then the summary and the report's path.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { pushImage } from '../test/support/images.js';
import { startRegistry } from '../test/support/registry.js';

const MiB = 1024 * 1024;

function ensureRegistryBinary(): void {
  if (spawnSync('sh', ['-c', 'command -v docker-registry']).status === 0) return;
  if (process.getuid?.() !== 0) {
    console.error('The demo needs CNCF distribution: install it with `sudo apt-get install docker-registry` and run `npm run demo` again.');
    process.exit(2);
  }
  console.log('installing docker-registry with apt-get ...');
  spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry apache2-utils >/dev/null'], {
    stdio: 'inherit',
  });
}

ensureRegistryBinary();
const work = mkdtempSync(join(tmpdir(), 'image-transfer-demo-'));
const [source, target] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
try {
  console.log(`source registry ${source.url}, target registry ${target.url}`);
  const images = [
    {
      repo: 'team/api',
      tag: 'v1.4.2',
      spec: {
        format: 'oci' as const,
        layers: [
          { seed: 'base', size: 8 * MiB },
          { seed: 'api', size: 3 * MiB },
        ],
      },
    },
    {
      repo: 'team/worker',
      tag: 'v1.4.2',
      spec: {
        format: 'oci' as const,
        layers: [
          { seed: 'base', size: 8 * MiB },
          { seed: 'worker', size: 5 * MiB },
        ],
      },
    },
    { repo: 'team/web', tag: '2026.11', spec: { format: 'docker' as const, layers: [{ seed: 'web', size: 6 * MiB }] } },
    {
      repo: 'library/tools',
      tag: 'latest',
      spec: { format: 'oci' as const, layers: [{ seed: 'tools', size: 2 * MiB }], platforms: ['linux/amd64', 'linux/arm64/v8'] },
    },
  ];
  for (const img of images) {
    const pushed = await pushImage(source, img.repo, img.tag, img.spec);
    console.log(`  pushed ${source.host}/${img.repo}:${img.tag} ${pushed.digest}${img.spec.platforms ? ` (${img.spec.platforms.join(', ')})` : ''}`);
  }
  const security = join(work, 'security.yaml');
  const rules = join(work, 'rule.yaml');
  writeFileSync(security, yaml.dump({ [source.host]: { insecure: true }, [target.host]: { insecure: true } }));
  writeFileSync(
    rules,
    yaml.dump({
      [`${source.host}/team/api`]: `${target.host}/migrated/api`,
      [`${source.host}/team/worker:v1.4.2`]: `${target.host}/migrated/worker:v1.4.2`,
      [`${source.host}/team/web:2026.11`]: `${target.host}/migrated/web:stable`,
      [`${source.host}/library/tools:latest`]: `${target.host}/migrated/tools:latest`,
    }),
  );
  console.log(`\nrule file ${rules}:\n${yaml.dump(yaml.load(await import('node:fs').then((fs) => fs.readFileSync(rules, 'utf8'))))}`);
  const cli = join(import.meta.dirname, '..', 'dist', 'cli.cjs');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [cli, `--securityFile=${security}`, `--ruleFile=${rules}`, `--report-dir=${join(work, 'reports')}`], {
      stdio: 'inherit',
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  console.log(`\nimage-transfer exited with ${code}. Run it again and every image is skipped (already in sync).`);
  process.exitCode = code;
} finally {
  await Promise.all([source.stop(), target.stop()]);
}
