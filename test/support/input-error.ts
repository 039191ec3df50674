import { expect } from 'vitest';
import { InputError } from '../../src/core/errors.js';

/** The InputError a call throws (fails the test when it throws nothing or something else). */
export function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}
