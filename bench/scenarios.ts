import type { ImageSpec } from '../test/support/images.js';
import type { WanLink } from './wan-proxy.js';

const MiB = 1024 * 1024;

/** One benchmark scenario: the images to seed in the source and how each tool copies them. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Source images: repository, tag (default v1) and spec. */
  readonly images: ReadonlyArray<{ repo: string; tag?: string; spec: ImageSpec }>;
  /** skopeo `copy` for a single image, `sync` for a set. */
  readonly skopeo: 'copy' | 'sync';
  /** Destination already holds everything (the no-op re-run). */
  readonly prepopulated?: boolean;
  /** Both registries are reached across this emulated link (bench/wan.ts). */
  readonly link?: WanLink;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => String(i).padStart(3, '0'));

export function scenarios(scale: number): Scenario[] {
  const small = range(20).map((i) => ({
    repo: `bench/img${i}`,
    spec: { format: 'oci' as const, layers: [1, 2, 3].map((l) => ({ seed: `small-${i}-${l}`, size: 4 * MiB * scale })) },
  }));
  return [
    { id: 's1', title: '20 images x 3 layers x 4 MiB', images: small, skopeo: 'sync' },
    {
      id: 's2',
      title: '1 image, 1 layer of 1 GiB',
      images: [{ repo: 'bench/big', spec: { format: 'oci', layers: [{ seed: 'big', size: 1024 * MiB * scale }] } }],
      skopeo: 'copy',
    },
    { id: 's3', title: 'no-op re-run of s1 (all present)', images: small, skopeo: 'sync', prepopulated: true },
    {
      id: 's4',
      title: '20 images sharing 2 base layers (4 MiB each) + 1 own layer',
      images: range(20).map((i) => ({
        repo: `bench/shared${i}`,
        spec: {
          format: 'oci' as const,
          layers: [
            { seed: 'base-1', size: 4 * MiB * scale },
            { seed: 'base-2', size: 4 * MiB * scale },
            { seed: `own-${i}`, size: 4 * MiB * scale },
          ],
        },
      })),
      skopeo: 'sync',
    },
    {
      id: 's5',
      title: '10 OCI indexes x 3 platforms (2 x 2 MiB layers each)',
      images: range(10).map((i) => ({
        repo: `bench/multi${i}`,
        spec: {
          format: 'oci' as const,
          layers: [1, 2].map((l) => ({ seed: `multi-${i}-${l}`, size: 2 * MiB * scale })),
          platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/ppc64le'],
        },
      })),
      skopeo: 'sync',
    },
  ];
}

/** WAN scenarios (bench/wan.ts): 200 Mbit/s links of 40 and 150 ms round trip. */
export function wanScenarios(): Scenario[] {
  const mib1 = range(40).map((i) => ({
    repo: `wan/img${i}`,
    spec: { format: 'oci' as const, layers: [1, 2, 3].map((l) => ({ seed: `wan-${i}-${l}`, size: MiB })) },
  }));
  const nightly = range(40).flatMap((r) =>
    range(10).map((t) => ({
      repo: `nightly/repo${r}`,
      tag: `t${t}`,
      spec: { format: 'oci' as const, layers: [{ seed: `nightly-${r}-${t}`, size: 1024 }] },
    })),
  );
  return [
    { id: 'w1', title: '40 images x 3 layers x 1 MiB, RTT 40 ms, 200 Mbit/s', images: mib1, skopeo: 'sync', link: { rttMs: 40, mbit: 200 } },
    { id: 'w2', title: '40 images x 3 layers x 1 MiB, RTT 150 ms, 200 Mbit/s', images: mib1, skopeo: 'sync', link: { rttMs: 150, mbit: 200 } },
    {
      id: 'w3',
      title: 'nightly no-op re-sync of 400 images (40 repos x 10 tags), RTT 40 ms',
      images: nightly,
      skopeo: 'sync',
      prepopulated: true,
      link: { rttMs: 40, mbit: 200 },
    },
  ];
}
