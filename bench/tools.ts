import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import yaml from 'js-yaml';
import { getManifestRaw, pushImage, type PushedImage } from '../test/support/images.js';
import type { RunningRegistry } from '../test/support/registry.js';
import type { Scenario } from './scenarios.js';

export interface Measured {
  readonly wallS: number;
  readonly rssMiB: number;
  /** User + system CPU seconds of the command. */
  readonly cpuS: number;
  /** CPU seconds both registries used during the run. */
  readonly registryCpuS?: number;
  readonly exitCode: number;
}

const SKOPEO_CACHE = '/var/lib/containers/cache/blob-info-cache-v1.boltdb';

/** Runs a command under GNU time; wall clock and peak RSS of the command (largest process). */
export function timed(cmd: string, args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '@@%e %M %U %S', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = err.match(/@@([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/);
      if (!m) return reject(new Error(`${cmd} printed no timing: ${err.slice(-500)}`));
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-800)}`));
      resolve({ wallS: Number(m[1]), rssMiB: Math.round(Number(m[2]) / 1024), cpuS: Number(m[3]) + Number(m[4]), exitCode: code ?? 0 });
    });
  });
}

/** skopeo sync keeps only the last path component: `bench/img000` -> `<dest>/img000`. */
export function runSkopeo(s: Scenario, src: string, dst: string, work: string): Promise<Measured> {
  rmSync(SKOPEO_CACHE, { force: true });
  if (s.skopeo === 'copy') {
    const { repo } = s.images[0]!;
    const tag = s.images[0]!.tag ?? 'v1';
    return timed('skopeo', [
      'copy',
      '-q',
      '--all',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${src}/${repo}:${tag}`,
      `docker://${dst}/mirror/${repo.split('/').pop()}:${tag}`,
    ]);
  }
  const file = join(work, `sync-${s.id}.yaml`);
  const images: Record<string, string[]> = {};
  for (const i of s.images) (images[i.repo] ??= []).push(i.tag ?? 'v1');
  writeFileSync(file, yaml.dump({ [src]: { 'tls-verify': false, images } }));
  return timed('skopeo', ['sync', '--all', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', file, `${dst}/mirror`]);
}

export function runOurs(s: Scenario, src: string, dst: string, work: string, cli: string, extra: string[] = []): Promise<Measured> {
  const rules = Object.fromEntries(s.images.map((i) => [`${src}/${i.repo}:${i.tag ?? 'v1'}`, `${dst}/mirror/${i.repo.split('/').pop()}:${i.tag ?? 'v1'}`]));
  const ruleFile = join(work, `rules-${s.id}.yaml`);
  const securityFile = join(work, 'security.yaml');
  writeFileSync(ruleFile, yaml.dump(rules));
  writeFileSync(securityFile, yaml.dump({ [src]: { insecure: true }, [dst]: { insecure: true } }));
  return timed(cli, [
    `--securityFile=${securityFile}`,
    `--ruleFile=${ruleFile}`,
    '--progress=none',
    '--log-level=warn',
    `--report-dir=${join(work, 'reports')}`,
    ...extra,
  ]);
}

/** Pushes every image of the scenarios once; `repo:tag` -> pushed image. */
export async function seed(src: RunningRegistry, list: Scenario[]): Promise<Map<string, PushedImage>> {
  const pushed = new Map<string, PushedImage>();
  for (const s of list)
    for (const img of s.images) {
      const ref = `${img.repo}:${img.tag ?? 'v1'}`;
      if (!pushed.has(ref)) pushed.set(ref, await pushImage(src, img.repo, img.tag ?? 'v1', img.spec));
    }
  return pushed;
}

/** Whether the destination holds every image of the scenario with the source's digest. */
export async function verify(dst: RunningRegistry, s: Scenario, pushed: Map<string, PushedImage>): Promise<boolean> {
  for (const img of s.images) {
    const tag = img.tag ?? 'v1';
    const got = await getManifestRaw(dst, `mirror/${img.repo.split('/').pop()}`, tag);
    if (got.digest !== pushed.get(`${img.repo}:${tag}`)!.digest) return false;
  }
  return true;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** The 1, 5 and 15 minute load averages, for printing beside figures measured on a shared machine. */
export const loadText = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
