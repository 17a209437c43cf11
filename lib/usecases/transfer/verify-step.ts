import { verifyImage, type CopyResult } from '../../copy/index.js';
import type { ImageSource, ImageTarget } from '../../oci/index.js';
import { describeMismatch, type TaskResult, type Verification } from '../../report/index.js';

/** `--verify`: `manifests` re-checks tags and manifests after each copy, `deep` also every blob. */
export type VerifyMode = 'off' | 'manifests' | 'deep';

/** Mismatches named in a result's error message; the full list is in `verification.mismatches`. */
const NAMED = 3;

/**
 * Re-checks the target after a copy, or a skip as up-to-date (nothing to compare after `tag-exists`:
 * the tag was left on another image on purpose). Undefined when off; a failed request throws.
 */
export async function verifyStep(
  mode: VerifyMode | undefined,
  source: ImageSource,
  sourceRef: string,
  target: ImageTarget & Pick<ImageSource, 'fetchManifest'>,
  targetRef: string,
  copy: CopyResult,
  signal?: AbortSignal,
  /** Attachments copied with the image (referrer manifests) that must exist on the target too. */
  extraDigests?: readonly string[],
): Promise<Verification | undefined> {
  if (!mode || mode === 'off' || copy.reason === 'tag-exists') return undefined;
  const result = await verifyImage(source, sourceRef, target, targetRef, {
    expectedDigest: copy.digest,
    sourceDigest: copy.sourceDigest ?? copy.digest,
    deep: mode === 'deep',
    ...(extraDigests?.length ? { extraDigests } : {}),
    ...(signal ? { signal } : {}),
  });
  return { status: result.status, mode, checked: result.checked, mismatches: result.mismatches };
}

/** Attaches a verification to a result; a mismatch turns it into a `VERIFY_MISMATCH` failure. */
export function withVerification(result: TaskResult, verification: Verification | undefined): TaskResult {
  if (!verification) return result;
  if (verification.status === 'verified') return { ...result, verification };
  const { mismatches } = verification;
  const named = mismatches.slice(0, NAMED).map(describeMismatch).join('; ');
  const more = mismatches.length > NAMED ? `; and ${mismatches.length - NAMED} more` : '';
  return {
    ...result,
    status: 'failed',
    verification,
    error: { code: 'VERIFY_MISMATCH', message: `verification found ${mismatches.length} difference(s): ${named}${more}`, origin: 'destination', op: 'verify' },
  };
}
