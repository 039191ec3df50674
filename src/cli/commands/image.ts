import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDocker } from '../../adapters/docker.js';
import { dockerConfigCredentials } from '../../adapters/docker-credentials.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { InputError } from '../../core/errors.js';
import { imageSettings } from '../../core/image-settings.js';
import { publishImage } from '../../flows/image.js';
import { imageRequest } from '../../flows/image-context.js';
import { flag, stringValue, type CliIO, type Command, type ParsedArgs } from '../command.js';
import { cwdOption, jsonOption, repositoryFromArgs } from '../shared-options.js';

export const imageCommand: Command = {
  name: 'image',
  summary: 'Build the multi-arch image and publish it: immutable version tags, a latest that only moves forward.',
  usage: 'release-flow image --image NAME (--version X.Y.Z | --main) [--platforms …] [--context DIR] [--file F] [--push] [--json]',
  options: {
    image: { type: 'string', placeholder: 'NAME', help: 'the image, e.g. ghcr.io/owner/synapse (no tag)' },
    version: { type: 'string', placeholder: 'X.Y.Z', help: 'a release: pushes the immutable vX.Y.Z' },
    main: { type: 'boolean', help: 'a build of main: pushes sha-<7> and moves latest forward' },
    platforms: { type: 'string', placeholder: 'LIST', help: 'default linux/amd64,linux/arm64' },
    context: { type: 'string', placeholder: 'DIR', help: 'build context, relative to the repository (default .)' },
    file: { type: 'string', placeholder: 'F', help: 'Dockerfile, relative to the context (default Dockerfile)' },
    target: { type: 'string', placeholder: 'STAGE', help: 'build stage' },
    'build-arg': { type: 'string', multiple: true, placeholder: 'K=V', help: 'build argument (repeatable)' },
    secret: { type: 'string', multiple: true, placeholder: 'id=ID,env=VAR|src=FILE', help: 'build secret from an environment variable or a file (repeatable); never a build arg' },
    label: { type: 'string', multiple: true, placeholder: 'K=V', help: 'extra label (repeatable)' },
    push: { type: 'boolean', help: 'push to the registry (default: build and load locally)' },
    floating: { type: 'boolean', help: 'also move vX.Y and vX (stable releases only, to the highest of their line)' },
    cache: { type: 'string', placeholder: 'MODE', help: 'registry (default: <image>:buildcache, mode=max), gha or none' },
    provenance: { type: 'boolean', help: 'attach provenance attestations (off: unknown/unknown entries confuse older engines)' },
    'tag-prefix': { type: 'string', placeholder: 'PREFIX', help: 'prefix of release tags (default: v)' },
    ...jsonOption,
    ...cwdOption,
  },
  async run(args, io) {
    const settings = imageSettings(
      {
        image: stringValue(args, 'image'),
        version: stringValue(args, 'version'),
        main: flag(args, 'main'),
        platforms: stringValue(args, 'platforms'),
        cache: stringValue(args, 'cache'),
        buildArgs: list(args, 'build-arg'),
        labels: list(args, 'label'),
      },
      { image: '--image', version: '--version', main: '--main', platforms: '--platforms', cache: '--cache', buildArgs: '--build-arg', labels: '--label' },
    );
    const secrets = Object.fromEntries(list(args, 'secret').map((spec) => cliSecret(spec, io)));
    const git = await repositoryFromArgs(args, io);
    const log = (line: string) => io.stderr(`${line}\n`);
    const request = await imageRequest(git, io.env, {
      settings,
      shallow: 'fail',
      context: stringValue(args, 'context') ?? '.',
      file: stringValue(args, 'file'),
      buildTarget: stringValue(args, 'target'),
      secrets,
      push: flag(args, 'push'),
      floating: flag(args, 'floating'),
      provenance: flag(args, 'provenance'),
      tagPrefix: stringValue(args, 'tag-prefix') ?? 'v',
      log,
      names: { context: '--context', file: '--file' },
    });
    const outcome = await publishImage(createDocker(), createRegistryClient({ credentials: dockerConfigCredentials(), log }), git, request);
    if (flag(args, 'json')) {
      io.stdout(JSON.stringify(outcome) + '\n');
    } else {
      const lines = [
        outcome.existing ? `${settings.image.name}: already published from this commit (nothing built).` : `${settings.image.name}: ${outcome.pushed ? 'pushed' : 'built locally'}.`,
        ...(outcome.digest ? [`digest ${outcome.digest}`] : []),
        ...outcome.tags.map((t) => `  ${settings.image.name}:${t}`),
        ...outcome.held.map((h) => `  ${h.tag} not moved: ${h.reason}`),
      ];
      io.stdout(lines.join('\n') + '\n');
    }
    return 0;
  },
};

function list(args: ParsedArgs, name: string): string[] {
  const value = args.values[name] as unknown;
  return Array.isArray(value) ? value.map(String) : [];
}

/** `id=npm,env=NPM_TOKEN` or `id=npm,src=./token`, as buildx takes them; the value is read here. */
function cliSecret(spec: string, io: CliIO): [string, string] {
  const fields = Object.fromEntries(spec.split(',').map((part) => part.split('=', 2) as [string, string]));
  const id = fields.id;
  if (!id || (fields.env === undefined) === (fields.src === undefined)) {
    throw new InputError('--secret', spec, 'id=ID,env=VARIABLE or id=ID,src=FILE');
  }
  if (fields.env !== undefined) {
    const value = io.env[fields.env];
    if (value === undefined) throw new InputError('--secret', spec, `an environment variable ${fields.env} that is set`);
    return [id, value];
  }
  try {
    return [id, readFileSync(resolve(io.cwd, fields.src!), 'utf8')];
  } catch {
    throw new InputError('--secret', spec, `a readable file ${fields.src}`);
  }
}
