import { defineConfig } from 'vitest/config';

// Unit tests (*.unit.test.ts) are pure and fast; integration tests (*.int.test.ts) run real git,
// real bundles and local HTTP servers. Both run in `npm test`.
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.unit.test.ts'] } },
      {
        extends: true,
        test: { name: 'int', include: ['test/**/*.int.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
});
