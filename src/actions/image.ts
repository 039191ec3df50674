import { booleanInput, input, repositoryFromInputs } from './inputs.js';
import { imageStep } from './image-step.js';
import { runAction } from './run-action.js';

await runAction(async () => {
  await imageStep(repositoryFromInputs, { version: input('version'), main: booleanInput('main', false), dockerfileInput: 'file' });
});
