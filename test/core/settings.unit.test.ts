import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import {
  defaultVersionSettings,
  versionSettings,
  type RawVersionSettings,
  type SettingNames,
  type VersionSettings,
} from '../../src/core/settings.js';

const cli: SettingNames = {
  tagPrefix: '--tag-prefix',
  initialVersion: '--initial-version',
  preMajor: '--pre-major',
  prerelease: '--prerelease',
  releaseRules: '--release-rules',
};

const action: SettingNames = {
  tagPrefix: 'tag-prefix',
  initialVersion: 'initial-version',
  preMajor: 'pre-major',
  prerelease: 'prerelease',
  releaseRules: 'release-rules',
};

describe('versionSettings: accepted', () => {
  test('defaults', () => {
    expect(defaultVersionSettings).toEqual({
      tagPrefix: 'v',
      initialVersion: '1.0.0',
      preMajor: false,
      prerelease: null,
      releaseRules: [],
    });
    expect(versionSettings({}, cli)).toEqual(defaultVersionSettings);
  });

  // [name, raw, what differs from the defaults]
  test.each<[string, RawVersionSettings, Partial<VersionSettings>]>([
    ['all undefined', { tagPrefix: undefined, initialVersion: undefined, preMajor: undefined, prerelease: undefined, releaseRules: undefined }, {}],
    ['empty strings mean the default', { initialVersion: '', prerelease: '', releaseRules: '' }, {}],
    ['blank strings mean the default', { initialVersion: '   ', prerelease: '  ' }, {}],
    ['prefix v', { tagPrefix: 'v' }, {}],
    ['long prefix', { tagPrefix: 'synapse-v' }, { tagPrefix: 'synapse-v' }],
    ['empty prefix', { tagPrefix: '' }, { tagPrefix: '' }],
    ['prefix with a slash', { tagPrefix: 'app/v' }, { tagPrefix: 'app/v' }],
    ['prefix with @', { tagPrefix: 'web@' }, { tagPrefix: 'web@' }],
    ['prefix with a dot', { tagPrefix: 'v.' }, { tagPrefix: 'v.' }],
    ['prefix with an underscore', { tagPrefix: 'my_app-' }, { tagPrefix: 'my_app-' }],
    ['initial version 0.1.0', { initialVersion: '0.1.0' }, { initialVersion: '0.1.0' }],
    ['initial version trimmed', { initialVersion: ' 2.0.0 ' }, { initialVersion: '2.0.0' }],
    ['initial version 0.0.1', { initialVersion: '0.0.1' }, { initialVersion: '0.0.1' }],
    ['pre-1.0 mode on', { preMajor: true }, { preMajor: true }],
    ['pre-1.0 mode off', { preMajor: false }, { preMajor: false }],
    ['prerelease rc', { prerelease: 'rc' }, { prerelease: 'rc' }],
    ['prerelease trimmed', { prerelease: ' beta ' }, { prerelease: 'beta' }],
    ['prerelease with a dash', { prerelease: 'pre-release' }, { prerelease: 'pre-release' }],
    ['prerelease with digits and letters', { prerelease: 'rc2' }, { prerelease: 'rc2' }],
    ['prerelease upper-case', { prerelease: 'RC' }, { prerelease: 'RC' }],
    [
      'release rules',
      { releaseRules: 'build(deps)=patch, docs=none' },
      {
        releaseRules: [
          { type: 'build', scope: 'deps', bump: 'patch' },
          { type: 'docs', bump: 'none' },
        ],
      },
    ],
  ])('%s', (_, raw, differs) => {
    expect(versionSettings(raw, cli)).toEqual({ ...defaultVersionSettings, ...differs });
  });
});

describe('versionSettings: rejected', () => {
  // [name, raw, which setting, the bad value quoted, expected text]
  test.each<[string, RawVersionSettings, keyof SettingNames, string, RegExp]>([
    ['prefix with a space', { tagPrefix: 'my v' }, 'tagPrefix', 'my v', /tag prefix git accepts/],
    ['prefix with a tab', { tagPrefix: 'v\t' }, 'tagPrefix', 'v\t', /tag prefix git accepts/],
    ['prefix with ..', { tagPrefix: 'a..v' }, 'tagPrefix', 'a..v', /tag prefix git accepts/],
    ['prefix with ~', { tagPrefix: 'v~' }, 'tagPrefix', 'v~', /tag prefix git accepts/],
    ['prefix with ^', { tagPrefix: 'v^' }, 'tagPrefix', 'v^', /tag prefix git accepts/],
    ['prefix with :', { tagPrefix: 'v:' }, 'tagPrefix', 'v:', /tag prefix git accepts/],
    ['prefix with ?', { tagPrefix: 'v?' }, 'tagPrefix', 'v?', /tag prefix git accepts/],
    ['prefix with *', { tagPrefix: 'v*' }, 'tagPrefix', 'v*', /tag prefix git accepts/],
    ['prefix with [', { tagPrefix: 'v[' }, 'tagPrefix', 'v[', /tag prefix git accepts/],
    ['prefix with a backslash', { tagPrefix: 'a\\v' }, 'tagPrefix', 'a\\v', /tag prefix git accepts/],
    ['prefix with @{', { tagPrefix: 'v@{' }, 'tagPrefix', 'v@{', /tag prefix git accepts/],
    ['prefix with a control character', { tagPrefix: 'v\x01' }, 'tagPrefix', 'v\x01', /tag prefix git accepts/],
    ['prefix starting with -', { tagPrefix: '-v' }, 'tagPrefix', '-v', /tag prefix git accepts/],
    ['prefix starting with /', { tagPrefix: '/v' }, 'tagPrefix', '/v', /tag prefix git accepts/],
    ['prefix starting with a dot', { tagPrefix: '.v' }, 'tagPrefix', '.v', /tag prefix git accepts/],
    ['prefix component starting with a dot', { tagPrefix: 'app/.v' }, 'tagPrefix', 'app/.v', /tag prefix git accepts/],
    ['prefix with //', { tagPrefix: 'app//v' }, 'tagPrefix', 'app//v', /tag prefix git accepts/],
    ['prefix component ending in .lock', { tagPrefix: 'app.lock/v' }, 'tagPrefix', 'app.lock/v', /tag prefix git accepts/],
    ['initial version with two parts', { initialVersion: '1.0' }, 'initialVersion', '1.0', /stable semantic version/],
    ['initial version prerelease', { initialVersion: '1.0.0-rc.1' }, 'initialVersion', '1.0.0-rc.1', /stable semantic version/],
    ['initial version word', { initialVersion: 'one' }, 'initialVersion', 'one', /stable semantic version/],
    ['initial version leading zero', { initialVersion: '01.0.0' }, 'initialVersion', '01.0.0', /stable semantic version/],
    ['initial version quoted trimmed', { initialVersion: ' 1.0 ' }, 'initialVersion', '1.0', /stable semantic version/],
    ['prerelease with a dot (the channel adds .N)', { prerelease: 'rc.1' }, 'prerelease', 'rc.1', /prerelease identifier/],
    ['prerelease all digits', { prerelease: '123' }, 'prerelease', '123', /prerelease identifier/],
    ['prerelease with a space', { prerelease: 'r c' }, 'prerelease', 'r c', /prerelease identifier/],
    ['prerelease with an underscore', { prerelease: 'r_c' }, 'prerelease', 'r_c', /prerelease identifier/],
    ['prerelease with a plus', { prerelease: 'rc+1' }, 'prerelease', 'rc+1', /prerelease identifier/],
    ['release rules', { releaseRules: 'feat=minor, docs=sometimes' }, 'releaseRules', 'docs=sometimes', /type\(scope\)=bump/],
  ])('%s', (_, raw, setting, value, expected) => {
    for (const names of [cli, action]) {
      let error: unknown;
      try {
        versionSettings(raw, names);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      const e = error as InputError;
      expect(e.input).toBe(names[setting]);
      expect(e.value).toBe(value);
      expect(e.message.startsWith(`${names[setting]}: ${JSON.stringify(value)} is not valid; expected `)).toBe(true);
      expect(e.message).toMatch(expected);
    }
  });
});
