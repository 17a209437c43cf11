import assert from 'node:assert/strict';
import { CopyError } from '../../lib/copy/index.js';
import { MediaType, sha256Digest, type RawManifest } from '../../lib/oci/index.js';
import { RegistryError } from '../../lib/registry/index.js';
import type { MemoryRepository } from './memory-registry.js';

/** One call a spied store received: the method and the AbortSignal of its options (if any). */
export interface SpiedCall {
  readonly method: string;
  readonly signal?: AbortSignal;
}

/**
 * `store` with every method call recorded in `calls` (then forwarded unchanged); `hide` names methods the
 * wrapper pretends not to have (e.g. a target that cannot read manifests).
 */
export function spyCalls<T extends object>(store: T, calls: SpiedCall[], hide: readonly string[] = []): T {
  return new Proxy(store, {
    has: (s, prop) => !hide.includes(String(prop)) && Reflect.has(s, prop),
    get(s, prop) {
      if (hide.includes(String(prop))) return undefined;
      const value: unknown = Reflect.get(s, prop, s);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const options = args.find((a): a is { signal?: unknown } => typeof a === 'object' && a !== null && 'signal' in a);
        const signal = options?.signal instanceof AbortSignal ? options.signal : undefined;
        calls.push({ method: String(prop), ...(signal ? { signal } : {}) });
        return (value as (...a: unknown[]) => unknown).apply(s, args);
      };
    },
  });
}

/** A compact OCI image manifest (one config, the given layers; blobs seeded) under `tag`; returns its digest. */
export function seedPlainImage(repo: MemoryRepository, tag: string | undefined, seed: string, layers: Buffer[] = [Buffer.alloc(300, seed)]): string {
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', seed }));
  const blob = (b: Buffer, mediaType: string) => ({ mediaType, digest: sha256Digest(b), size: b.length });
  const manifest: RawManifest = {
    bytes: Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: blob(config, 'application/vnd.oci.image.config.v1+json'),
        layers: layers.map((l) => blob(l, 'application/vnd.oci.image.layer.v1.tar+gzip')),
      }),
    ),
    mediaType: MediaType.ociManifest,
  };
  return repo.seed(tag, manifest, [config, ...layers]);
}

/** An index under `tag` listing `children` (digests) with the given platforms (none when absent). */
export function seedIndexOf(repo: MemoryRepository, tag: string | undefined, children: ReadonlyArray<{ digest: string; platform?: string }>): string {
  const manifests = children.map((c) => {
    const [os, architecture, variant] = (c.platform ?? '').split('/');
    return {
      mediaType: MediaType.ociManifest,
      digest: c.digest,
      size: 1,
      ...(c.platform ? { platform: { os, architecture, ...(variant ? { variant } : {}) } } : {}),
    };
  });
  return repo.seed(tag, { bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests })), mediaType: MediaType.ociIndex });
}

/**
 * An image under `levels` nested indexes below the root index `tag` (levels = 0: the root lists the image):
 * the image sits at depth levels + 1 of the walk. Returns the root's digest.
 */
export function seedNestedIndexes(repo: MemoryRepository, tag: string, levels: number): string {
  let digest = seedPlainImage(repo, undefined, 'deep');
  for (let i = 0; i < levels; i++) digest = seedIndexOf(repo, undefined, [{ digest, platform: 'linux/amd64' }]);
  return seedIndexOf(repo, tag, [{ digest, platform: 'linux/amd64' }]);
}

/** The bytes of an OCI image manifest of one config and one layer, with `annotations` when given. */
export function imageManifestBytes(config: Buffer, layer: Buffer, annotations?: Record<string, string>): Buffer {
  const blob = (b: Buffer, mediaType: string) => ({ mediaType, digest: sha256Digest(b), size: b.length });
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: blob(config, 'application/vnd.oci.image.config.v1+json'),
      layers: [blob(layer, 'application/vnd.oci.image.layer.v1.tar+gzip')],
      ...(annotations ? { annotations } : {}),
    }),
  );
}

/** An index under `tag` with `count` distinct image manifests (one shared config and layer). */
export function seedWideIndex(repo: MemoryRepository, tag: string | undefined, count: number): { digest: string; children: string[] } {
  const config = Buffer.from('{"os":"linux","architecture":"amd64"}');
  const layer = Buffer.alloc(100, 'w');
  const children: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = imageManifestBytes(config, layer, { n: String(i) });
    children.push(repo.seed(undefined, { bytes, mediaType: MediaType.ociManifest }, i ? [] : [config, layer]));
  }
  return {
    digest: seedIndexOf(
      repo,
      tag,
      children.map((digest) => ({ digest })),
    ),
    children,
  };
}

/**
 * `fn` holding each call for one event-loop turn (setImmediate: no wall-clock timing), so that calls the
 * code under test starts together overlap; `max()` is the most calls seen in flight at once.
 */
export function inFlight<A extends unknown[], R>(fn: (...args: A) => Promise<R>): { fn: (...args: A) => Promise<R>; max: () => number } {
  let now = 0;
  let max = 0;
  return {
    fn: async (...args: A) => {
      max = Math.max(max, ++now);
      await new Promise((resolve) => setImmediate(resolve));
      now--;
      return fn(...args);
    },
    max: () => max,
  };
}

/** What a registry answering `status` to a GET of `what` throws. */
export const httpFailure = (status: number, what: string): RegistryError =>
  new RegistryError({ code: 'REGISTRY_HTTP', method: 'GET', url: `memory://${what}`, status, detail: `HTTP ${status} for ${what}` });

/** An assert.rejects/throws check: the CopyError must have these fields (message and digest when given). */
export function isCopyError(expected: { code: string; op: string; origin: string; ref: string; digest?: string; message?: string }) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof CopyError, String(err));
    assert.deepEqual(
      {
        code: err.code,
        op: err.op,
        origin: err.origin,
        ref: err.ref,
        ...(expected.digest ? { digest: err.digest } : {}),
        ...(expected.message ? { message: err.message } : {}),
      },
      expected,
    );
    return true;
  };
}

/** Every spied call carried a signal, and aborting `caller` aborted each of them. */
export function assertSignalsFollow(calls: readonly SpiedCall[], caller: AbortController): void {
  assert.deepEqual(
    calls.filter((c) => !c.signal).map((c) => c.method),
    [],
    'calls without a signal',
  );
  caller.abort();
  assert.ok(
    calls.every((c) => c.signal?.aborted),
    'aborting the caller aborts every request',
  );
}
