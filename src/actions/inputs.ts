import * as core from '@actions/core';
import { resolve } from 'node:path';
import type { Git } from '../adapters/git.js';
import { createGitHubReleases, type GitHubReleases } from '../adapters/github.js';
import { InputError } from '../core/errors.js';
import { parseShownTypes, type NotesOptions } from '../core/notes.js';
import { versionSettings, type VersionSettings } from '../core/settings.js';
import { openRepository } from '../flows/repository.js';

/** An input as the runner passes it; empty when not set (action.yml holds the defaults). */
export const input = (name: string): string => core.getInput(name);

/** The ref the flow is for: the `ref` input (a called workflow's tag pipeline), else the triggering ref. */
export const refFromInputs = (): string => input('ref') || process.env.GITHUB_REF || '';

/** YAML 1.2 core schema booleans, as core.getBooleanInput, with the project's error wording. */
export function booleanInput(name: string, fallback: boolean): boolean {
  const value = input(name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(name, value, 'true or false');
}

/** The rule inputs shared by every action that computes a version: the CLI's flags, by input name. */
export function settingsFromInputs(): VersionSettings {
  return versionSettings(
    {
      // The runner passes the default `v` when the input is absent, so '' means an empty prefix.
      tagPrefix: core.getInput('tag-prefix', { trimWhitespace: false }),
      initialVersion: input('initial-version'),
      prerelease: input('prerelease'),
      preMajor: booleanInput('pre-major', false),
      releaseRules: input('release-rules'),
    },
    { tagPrefix: 'tag-prefix', initialVersion: 'initial-version', prerelease: 'prerelease', preMajor: 'pre-major', releaseRules: 'release-rules' },
  );
}

export function notesOptionsFromInputs(): NotesOptions | undefined {
  const shown = input('show-types');
  return shown ? { shownTypes: parseShownTypes(shown, 'show-types') } : undefined;
}

/** The repository named by `working-directory`, relative to the workspace; checked before use. */
export function repositoryFromInputs(): Promise<Git> {
  const given = input('working-directory') || '.';
  return openRepository(resolve(process.env.GITHUB_WORKSPACE ?? process.cwd(), given), 'working-directory', given);
}

/**
 * The GitHub Releases client when `github-release` is on. The token is not passed to
 * core.setSecret: the runner already masks `github.token` and secrets, and `::add-mask::` would
 * itself print the token wherever the output is not read by a runner.
 */
export function githubReleasesFromInputs(): GitHubReleases | null {
  if (!booleanInput('github-release', true)) return null;
  const token = input('token');
  if (!token) throw new InputError('token', '', 'a token with contents: write, e.g. ${{ github.token }}, or github-release: false');
  return createGitHubReleases({ token, log: core.info });
}
