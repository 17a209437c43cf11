import { isDigest } from './digest.js';
import { CodedError } from '../util/errors.js';

/** Canonical name of Docker Hub; its API lives at `registry-1.docker.io`. */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:\[[0-9a-fA-F:]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]{1,5})?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_NAME = 255;

/** An image reference, normalised: registry host[:port], repository path, optional tag and digest. */
export interface Reference {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export class InvalidReferenceError extends CodedError<'INVALID_REFERENCE'> {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super('INVALID_REFERENCE', `invalid image reference "${input}": ${reason}`);
    this.name = 'InvalidReferenceError';
  }
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * True when the first path component names a registry host: it contains a dot or a port, is
 * `localhost` (the Docker rule; the original tool treated `localhost:5000/x` as a Docker Hub namespace),
 * or opens with `[` (an IPv6 literal, then validated as a host).
 */
export function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component.startsWith('[');
}

export function normaliseRegistry(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}

/** Splits `name[:tag][@digest]` without validating; the tag is after the last ':' that follows the last '/'. */
function splitTagDigest(input: string): { name: string; tag?: string; digest?: string } {
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

/**
 * Parses and normalises a reference: `nginx` -> `docker.io/library/nginx`, `host:port/repo:tag`,
 * `repo@sha256:…`, `repo:tag@sha256:…`. Throws InvalidReferenceError naming what is wrong.
 */
export function parseReference(input: string): Reference {
  const text = input.trim();
  if (text === '') throw new InvalidReferenceError(input, 'it is empty');
  if (text.includes('://')) throw new InvalidReferenceError(input, 'write it without a scheme (no "http://")');
  const { name, tag, digest } = splitTagDigest(text);
  if (tag !== undefined && !TAG.test(tag)) {
    throw new InvalidReferenceError(input, `tag "${tag}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  if (digest !== undefined && !isDigest(digest)) {
    throw new InvalidReferenceError(input, `"${digest}" is not a digest (expected sha256:<64 hex>)`);
  }
  const parts = name.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && looksLikeRegistry(parts[0]!)) {
    const host = parts.shift()!;
    // the grammar alone lets through what no URL can hold: a port above 65535, brackets without an IPv6 address
    if (!DOMAIN.test(host) || !URL.canParse(`https://${host}/`)) {
      throw new InvalidReferenceError(input, `"${host}" is not a valid registry host[:port]`);
    }
    registry = normaliseRegistry(host);
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (part === '.' || part === '..') throw new InvalidReferenceError(input, 'path components "." and ".." are not allowed');
    if (part === '')
      throw new InvalidReferenceError(
        input,
        'the repository name is missing or has an empty component (nothing before "@" or ":", or a "/" doubled or at an end)',
      );
    if (!COMPONENT.test(part)) {
      throw new InvalidReferenceError(input, `repository component "${part}" must be lowercase letters, digits and single separators (. _ __ -)`);
    }
  }
  const repository = parts.join('/');
  if (repository.length > MAX_NAME) throw new InvalidReferenceError(input, `repository name is longer than ${MAX_NAME} characters`);
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** `registry/repository[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
