import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAction } from '../actions/run-action.js';
import { requireTestBed, type TestBed } from '../bed/check.js';
import type { TestRepo } from '../support/git-repo.js';
import { listTags } from '../support/registry-read.js';
import { runCliAsync } from '../support/run-cli-async.js';
import { buildRan, serviceRepo } from './helpers.js';

// Bad input stops the command before anything is built or pushed: exit 2 from the CLI with one line
// that names the input, the value and what is expected; `::error title=Invalid input::` from the
// action. Every case asks for --push, and the registry is checked to hold nothing afterwards.

const run = randomBytes(4).toString('hex');

interface Case {
  name: string;
  /** Repository in the bed's registry that must stay empty (the lower-cased one for the upper-case case). */
  repository: string | null;
  cli: { args: string[]; input: string; value: string };
  action: { inputs: Record<string, string>; input: string };
}

function cases(registry: string): Case[] {
  const repo = (label: string) => `release-flow-test/img-bad-${label}-${run}`;
  const ok = (label: string) => `${registry}/${repo(label)}`;
  return [
    {
      name: 'an invalid image name',
      repository: null,
      cli: { args: ['--image', `${registry}/release-flow-test/bad..name`, '--version', '1.0.0'], input: '--image', value: `${registry}/release-flow-test/bad..name` },
      action: { inputs: { image: `${registry}/release-flow-test/bad..name`, version: '1.0.0' }, input: 'image' },
    },
    {
      name: 'an upper-case repository',
      repository: repo('upper'),
      cli: { args: ['--image', `${registry}/${repo('upper').replace('upper', 'Upper')}`, '--version', '1.0.0'], input: '--image', value: `${registry}/${repo('upper').replace('upper', 'Upper')}` },
      action: { inputs: { image: `${registry}/${repo('upper').replace('upper', 'Upper')}`, version: '1.0.0' }, input: 'image' },
    },
    {
      name: 'an unknown platform',
      repository: repo('platform'),
      cli: { args: ['--image', ok('platform'), '--version', '1.0.0', '--platforms', 'linux/amd64,linux/sparc64'], input: '--platforms', value: 'linux/sparc64' },
      action: { inputs: { image: ok('platform'), version: '1.0.0', platforms: 'linux/amd64,linux/sparc64' }, input: 'platforms' },
    },
    {
      name: 'a missing Dockerfile',
      repository: repo('file'),
      cli: { args: ['--image', ok('file'), '--version', '1.0.0', '--file', 'Nope.Dockerfile'], input: '--file', value: 'Nope.Dockerfile' },
      action: { inputs: { image: ok('file'), version: '1.0.0', file: 'Nope.Dockerfile' }, input: 'file' },
    },
    {
      name: 'a version that is not semver',
      repository: repo('version'),
      cli: { args: ['--image', ok('version'), '--version', '1.2'], input: '--version', value: '1.2' },
      action: { inputs: { image: ok('version'), version: '1.2' }, input: 'version' },
    },
  ];
}

describe('bad input exits before anything is built', () => {
  let bed: TestBed;
  let repo: TestRepo;

  beforeAll(() => {
    bed = requireTestBed();
    repo = serviceRepo(bed);
  });
  afterAll(() => repo?.cleanup());

  // The table needs the bed's registry address, known only once the bed is checked; vitest
  // collects test.each before beforeAll, so the cases are indexed and built inside each test.
  const names = cases('REGISTRY').map((c) => c.name);

  test.each(names.map((name, index) => [name, index] as const))('CLI, %s: exit 2, one line naming the input and value, nothing built or pushed', async (_name, index) => {
    const c = cases(bed.registry)[index]!;
    const result = await runCliAsync(['image', ...c.cli.args, '--push'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^release-flow image: ${c.cli.input}: .*${c.cli.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* is not valid; expected .+`));
    expect(buildRan(result.stderr)).toBe(false);
    if (c.repository) expect(await listTags({ registry: bed.registry, repository: c.repository })).toEqual([]);
  });

  test.each(names.map((name, index) => [name, index] as const))('action, %s: ::error title=Invalid input::, nothing built or pushed', async (_name, index) => {
    const c = cases(bed.registry)[index]!;
    const result = await runAction('image', { workspace: repo.dir, ref: 'refs/heads/main', inputs: c.action.inputs });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((e) => e.properties.title)).toEqual(['Invalid input']);
    expect(result.errors[0]!.message).toMatch(new RegExp(`^${c.action.input}: .* is not valid; expected .+`));
    // (A missing Dockerfile is found inside the step's "Build …" log group, before buildx runs.)
    expect(buildRan(result.stdout), result.stdout).toBe(false);
    expect(result.outputs).toEqual({});
    if (c.repository) expect(await listTags({ registry: bed.registry, repository: c.repository })).toEqual([]);
  });
});
