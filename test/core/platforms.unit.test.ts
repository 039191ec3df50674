import { describe, expect, test } from 'vitest';
import { inputError } from '../support/input-error.js';
import { defaultPlatforms, knownPlatforms, parsePlatforms } from '../../src/core/platforms.js';


describe('parsePlatforms', () => {
  // [text, platforms]
  test.each<[string, string[]]>([
    // Nothing given: the default, amd64 for runners and arm64 for the Pi.
    ['', ['linux/amd64', 'linux/arm64']],
    ['   ', ['linux/amd64', 'linux/arm64']],
    [',', ['linux/amd64', 'linux/arm64']],
    [' , \n ,', ['linux/amd64', 'linux/arm64']],
    ['\n\n', ['linux/amd64', 'linux/arm64']],
    // One or several, in the order given.
    ['linux/amd64', ['linux/amd64']],
    ['linux/arm64', ['linux/arm64']],
    ['linux/arm/v7', ['linux/arm/v7']],
    ['linux/arm64,linux/amd64', ['linux/arm64', 'linux/amd64']],
    ['linux/amd64,linux/arm64,linux/arm/v7,linux/arm/v6', ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6']],
    ['linux/386,linux/ppc64le,linux/s390x,linux/riscv64', ['linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64']],
    // Commas, newlines, white space and empty entries.
    ['linux/amd64\nlinux/arm64', ['linux/amd64', 'linux/arm64']],
    ['linux/amd64\r\nlinux/arm64\r\n', ['linux/amd64', 'linux/arm64']],
    [' linux/amd64 , linux/arm64 ', ['linux/amd64', 'linux/arm64']],
    ['linux/amd64,,linux/arm64,', ['linux/amd64', 'linux/arm64']],
    ['linux/amd64\n,linux/arm64\n', ['linux/amd64', 'linux/arm64']],
    ['\tlinux/arm/v7\t', ['linux/arm/v7']],
    // Duplicates once, where first given.
    ['linux/amd64,linux/amd64', ['linux/amd64']],
    ['linux/arm64,linux/amd64,linux/arm64', ['linux/arm64', 'linux/amd64']],
    // linux/arm64/v8 is linux/arm64.
    ['linux/arm64/v8', ['linux/arm64']],
    ['linux/arm64/v8,linux/arm64', ['linux/arm64']],
    ['linux/arm64,linux/arm64/v8', ['linux/arm64']],
    ['linux/amd64,linux/arm64/v8', ['linux/amd64', 'linux/arm64']],
    ['linux/arm64/v8,linux/amd64,linux/arm64', ['linux/arm64', 'linux/amd64']],
  ])('%j → %j', (text, platforms) => {
    expect(parsePlatforms(text)).toEqual(platforms);
  });

  test('the default is a fresh copy', () => {
    const first = parsePlatforms('');
    first.push('linux/386');
    expect(parsePlatforms('')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(defaultPlatforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  // [text, the platform named as bad]
  test.each<[string, string]>([
    ['linux/x86_64', 'linux/x86_64'],
    ['amd64', 'amd64'],
    ['arm64', 'arm64'],
    ['linux', 'linux'],
    ['linux/arm', 'linux/arm'],
    ['linux/arm/v8', 'linux/arm/v8'],
    ['linux/arm64/v9', 'linux/arm64/v9'],
    ['linux/amd64/v2', 'linux/amd64/v2'],
    ['Linux/amd64', 'Linux/amd64'],
    ['linux/AMD64', 'linux/AMD64'],
    ['windows/amd64', 'windows/amd64'],
    ['darwin/arm64', 'darwin/arm64'],
    ['linux/amd64 linux/arm64', 'linux/amd64 linux/arm64'],
    ['linux/amd64;linux/arm64', 'linux/amd64;linux/arm64'],
    ['linux/amd64,linux/mips', 'linux/mips'],
    ['linux/amd64, nonsense ,linux/arm64', 'nonsense'],
    ['linux/arm64\nlinux/sparc', 'linux/sparc'],
  ])('%j is refused, naming %j and listing the known platforms', (text, bad) => {
    const error = inputError(() => parsePlatforms(text));
    expect(error.input).toBe('platforms');
    expect(error.value).toBe(bad);
    for (const known of knownPlatforms) expect(error.expected).toContain(known);
    expect(error.message).toContain(JSON.stringify(bad));
  });

  test.each<[string]>([['platforms'], ['--platforms'], ['with.platforms']])('the error names the caller\'s input %j', (input) => {
    const error = inputError(() => parsePlatforms('linux/amd64,linux/nope', input));
    expect(error.input).toBe(input);
    expect(error.message.startsWith(`${input}: "linux/nope"`)).toBe(true);
  });

  test('every known platform is accepted alone and all together', () => {
    for (const platform of knownPlatforms) expect(parsePlatforms(platform)).toEqual([platform]);
    expect(parsePlatforms(knownPlatforms.join(','))).toEqual([...knownPlatforms]);
    expect(parsePlatforms(knownPlatforms.join('\n'))).toEqual([...knownPlatforms]);
  });

  test('the known platforms', () => {
    expect([...knownPlatforms].sort()).toEqual(
      ['linux/386', 'linux/amd64', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64', 'linux/ppc64le', 'linux/riscv64', 'linux/s390x'].sort(),
    );
  });
});
