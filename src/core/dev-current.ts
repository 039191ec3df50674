// Whether `release-flow switch dev` can leave dev as it is: dev follows `latest`, and a recreate
// (pull, new container, health wait) is only worth its seconds and its brief outage when the
// container does not run what `latest` is now. Pure: src/flows/switch.ts reads the container, its
// image and the registry, and deploys when this says no.

/** The dev container as the engine shows it. */
export interface DevSeen {
  /** compose's ps State: running, exited, restarting… */
  state: string;
  /** The health that counts now (core/container-health.ts `currentHealth`); '' without a health check. */
  health: string;
  /** The reference the container was created from (Config.Image), e.g. `ghcr.io/owner/synapse:latest`. */
  ref: string;
  /** The RepoDigests of the container's image (`repository@sha256:…`): what it runs. */
  repoDigests: readonly string[];
  /** The compose configuration hash the container was created with (its com.docker.compose.config-hash label). */
  configHash: string;
}

/** What a deploy of dev would create now. */
export interface DevWanted {
  /** The reference the deploy writes to SYNAPSE_DEV_IMAGE: `<image>:latest`. */
  ref: string;
  /** What `latest` resolves to in the registry now. */
  digest: string;
  /** `docker compose config --hash synapse-dev` with the env file as it is now. */
  configHash: string;
}

export type DevVerdict = { current: true } | { current: false; why: string };

/**
 * Current when the container runs, is healthy (or has no health check), was created from the
 * reference the deploy would write, runs exactly the digest `latest` resolves to now, and has the
 * configuration compose would give a new one. `why` names the first condition that fails.
 */
export function devCurrent(seen: DevSeen | undefined, wanted: DevWanted): DevVerdict {
  if (seen === undefined) return { current: false, why: 'no dev container' };
  if (seen.state !== 'running') return { current: false, why: `dev is ${seen.state || 'not running'}` };
  if (seen.health !== 'healthy' && seen.health !== '') return { current: false, why: `dev is ${seen.health}, not healthy` };
  if (seen.ref !== wanted.ref) return { current: false, why: `dev was created from ${seen.ref || 'an unknown reference'}, not ${wanted.ref}` };
  const digests = [...new Set(seen.repoDigests.map((d) => /@(sha256:[0-9a-f]{64})$/.exec(d)?.[1]).filter((d) => d !== undefined))];
  if (!digests.includes(wanted.digest)) {
    return { current: false, why: `dev runs ${digests.length > 0 ? digests.join(', ') : 'an image with no registry digest'}; latest is ${wanted.digest}` };
  }
  if (seen.configHash !== wanted.configHash) return { current: false, why: 'its compose configuration changed since it was created' };
  return { current: true };
}
