import { InputError } from './errors.js';

/** An image repository reference, as `docker buildx build -t` takes it, without a tag. */
export interface ImageName {
  /** The registry host as given (`ghcr.io`, `127.0.0.1:5000`), or `docker.io` when none was given. */
  registry: string;
  /** The repository path in the registry: `owner/synapse` (`library/x` for a bare Docker Hub name). */
  repository: string;
  /** The name as the user wrote it: what tags are appended to. */
  name: string;
}

// The distribution spec's grammar (distribution/reference): path components of lower-case letters
// and digits joined by `.`, `_`, `__` or `-`; a registry is a host (with a dot or a port, or localhost).
const component = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const pathPattern = new RegExp(`^${component}(?:/${component})*$`);
const hostPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
/** distribution/reference's NameTotalLengthMax, counted on the normalised `registry/repository`. */
const nameMaxLength = 255;
/** Docker Hub under the names docker normalises (`index.docker.io` is the legacy one). */
const dockerHubRegistries = new Set(['docker.io', 'index.docker.io']);

/** Parses `ghcr.io/owner/synapse`; a tag or digest in it is refused, since tags come from versions. */
export function parseImageName(text: string, input = 'image'): ImageName {
  const name = text.trim();
  if (name === '') throw new InputError(input, text, 'an image name such as ghcr.io/owner/synapse');
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (name.includes('@') || last.includes(':')) {
    throw new InputError(input, text, 'an image name without a tag or digest (tags come from the version), such as ghcr.io/owner/synapse');
  }
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasRegistry = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let repository = hasRegistry ? name.slice(slash + 1) : name;
  if (hasRegistry && !hostPattern.test(registry)) {
    throw new InputError(input, text, 'a registry host such as ghcr.io or 127.0.0.1:5000 before the first "/"');
  }
  if (repository !== repository.toLowerCase()) {
    throw new InputError(input, text, `a lower-case repository name (registries refuse upper case): ${registry === 'docker.io' ? '' : `${registry}/`}${repository.toLowerCase()}`);
  }
  if (!pathPattern.test(repository)) {
    throw new InputError(input, text, 'a repository of lower-case letters, digits and separators (. _ -) in /-separated parts, such as ghcr.io/owner/synapse');
  }
  // `nginx`, `docker.io/nginx` and `index.docker.io/nginx` are all Docker Hub's `library/nginx`.
  if (dockerHubRegistries.has(registry) && !repository.includes('/')) repository = `library/${repository}`;
  if (`${dockerHubRegistries.has(registry) ? 'docker.io' : registry}/${repository}`.length > nameMaxLength) {
    throw new InputError(input, text, `an image name of at most ${nameMaxLength} characters (registry and repository)`);
  }
  return { registry, repository, name };
}

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}
