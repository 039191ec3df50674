import { InputError } from './errors.js';

/** What buildx and QEMU can build here and a Raspberry Pi or a cloud runner can run. */
export const knownPlatforms = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/v7',
  'linux/arm/v6',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
] as const;

export const defaultPlatforms = ['linux/amd64', 'linux/arm64'];

/** Parses `linux/amd64,linux/arm64` (commas or newlines); an unknown platform is bad input. */
export function parsePlatforms(text: string, input = 'platforms'): string[] {
  const platforms = text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean);
  if (platforms.length === 0) return [...defaultPlatforms];
  for (const platform of platforms) {
    const normalized = platform === 'linux/arm64/v8' ? 'linux/arm64' : platform;
    if (!(knownPlatforms as readonly string[]).includes(normalized)) {
      throw new InputError(input, platform, `platforms among ${knownPlatforms.join(', ')}`);
    }
  }
  return [...new Set(platforms.map((p) => (p === 'linux/arm64/v8' ? 'linux/arm64' : p)))];
}
