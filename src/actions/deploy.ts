import { parseEnvironment } from '../core/deploy-state.js';
import { deployTargetFromInputs } from './deploy-inputs.js';
import { deployStep } from './deploy-step.js';
import { input } from './inputs.js';
import { runAction } from './run-action.js';

// A thin translator, as src/cli/commands/deploy.ts is for the CLI: inputs → the deploy flow →
// outputs + job summary (deploy-step.ts, shared with the root action).
await runAction(async () => {
  await deployStep({ env: parseEnvironment(input('environment')), ...deployTargetFromInputs() });
});
