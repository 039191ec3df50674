import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../actions/run-action.js';

// The README's consumer workflow is the one the scenario tests run (fixtures/consumer.yml), so the
// example users copy is the example that is tested.
test("the README's consumer workflow is the tested fixture, verbatim", () => {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const fixture = readFileSync(join(projectRoot, 'test/workflows/fixtures/consumer.yml'), 'utf8');
  const section = readme.slice(readme.indexOf('## Adopting the workflows'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block, 'a ```yaml block under "## Adopting the workflows"').toBeDefined();
  expect(block).toBe(fixture);
});
