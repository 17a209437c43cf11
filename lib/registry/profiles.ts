import { DOCKER_HUB } from '../oci/index.js';

/** Registry quirks as data, keyed by registry name, never as branches in the client. */
interface Profile {
  /** Host that serves the distribution API when it differs from the image name's registry. */
  readonly apiHost?: string;
}

const PROFILES: Record<string, Profile> = {
  [DOCKER_HUB]: { apiHost: 'registry-1.docker.io' },
};

export function apiHost(registry: string): string {
  return PROFILES[registry]?.apiHost ?? registry;
}
