import { describe, expect, test } from 'vitest';
import { eventSteps } from '../../src/core/event-steps.js';

describe('eventSteps: what the root action does for a ref', () => {
  test.each([
    // ref, released, image, deploy → kind, image, publishRelease, deploy
    ['refs/tags/v1.2.0', true, true, true, 'release', 'release', true, 'prod'],
    ['refs/tags/v1.2.0', true, true, false, 'release', 'release', true, null],
    ['refs/tags/v1.2.0', true, false, false, 'release', null, true, null],
    ['refs/tags/v1.2.0', true, false, true, 'release', null, true, null],
    ['refs/tags/v1.2.0', false, true, true, 'preview', null, false, null],
    ['refs/heads/main', false, true, true, 'main', 'main', false, 'dev'],
    ['refs/heads/main', true, true, false, 'main', 'main', false, null],
    ['refs/heads/main', false, false, true, 'main', null, false, null],
    ['refs/heads/feature', true, true, true, 'preview', null, false, null],
    ['refs/pull/12/merge', true, true, true, 'preview', null, false, null],
    ['', false, true, true, 'preview', null, false, null],
  ] as const)('%s (released %s, image %s, deploy %s) → %s', (ref, released, image, deploy, kind, builds, publishes, deploys) => {
    expect(eventSteps({ ref, released, image, deploy, mainBranch: 'main' })).toEqual({ kind, image: builds, publishRelease: publishes, deploy: deploys });
  });

  test('the main branch is configurable', () => {
    expect(eventSteps({ ref: 'refs/heads/trunk', released: false, image: true, deploy: false, mainBranch: 'trunk' }).kind).toBe('main');
    expect(eventSteps({ ref: 'refs/heads/main', released: false, image: true, deploy: false, mainBranch: 'trunk' }).kind).toBe('preview');
  });
});
