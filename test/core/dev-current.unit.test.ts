import { describe, expect, test } from 'vitest';
import { devCurrent, type DevSeen, type DevWanted } from '../../src/core/dev-current.js';

// `switch dev` leaves dev alone only when a recreate would give the same container: running,
// healthy, from `<image>:latest`, running the digest latest resolves to now, same configuration.

const image = '127.0.0.1:5000/owner/synapse';
const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const wanted: DevWanted = { ref: `${image}:latest`, digest: digest('a'), configHash: 'h1' };
const seen = (over: Partial<DevSeen> = {}): DevSeen => ({ state: 'running', health: 'healthy', ref: `${image}:latest`, repoDigests: [`${image}@${digest('a')}`], configHash: 'h1', ...over });

describe('devCurrent', () => {
  test.each<[string, DevSeen | undefined, RegExp | null]>([
    ['running, healthy, latest\'s digest, same configuration: current', seen(), null],
    ['no health check counts as up', seen({ health: '' }), null],
    ['the digest under another repository name (same content): current', seen({ repoDigests: [`ghcr.io/owner/synapse@${digest('b')}`, `${image}@${digest('a')}`] }), null],
    ['no container', undefined, /^no dev container$/],
    ['exited', seen({ state: 'exited' }), /^dev is exited$/],
    ['restarting', seen({ state: 'restarting' }), /^dev is restarting$/],
    ['starting (a restart the engine still calls healthy reads starting here)', seen({ health: 'starting' }), /^dev is starting, not healthy$/],
    ['unhealthy', seen({ health: 'unhealthy' }), /^dev is unhealthy, not healthy$/],
    ['created from a version tag', seen({ ref: `${image}:v1.0.0` }), /created from .*:v1\.0\.0, not .*:latest$/],
    ['a new latest was pushed', seen({ repoDigests: [`${image}@${digest('0')}`] }), new RegExp(`^dev runs ${digest('0')}; latest is ${digest('a')}$`)],
    ['an image built here, never pulled or pushed', seen({ repoDigests: [] }), /runs an image with no registry digest/],
    ['the compose configuration changed', seen({ configHash: 'h0' }), /compose configuration changed/],
  ])('%s', (_name, dev, why) => {
    const verdict = devCurrent(dev, wanted);
    if (why === null) expect(verdict).toEqual({ current: true });
    else {
      expect(verdict.current).toBe(false);
      if (!verdict.current) expect(verdict.why).toMatch(why);
    }
  });
});
