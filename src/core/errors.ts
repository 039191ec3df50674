/**
 * Bad usage or input: the CLI exits 2 and the action fails before changing anything.
 * The message always names the input, the bad value and what would be accepted.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly input: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${input}: ${JSON.stringify(value)} is not valid; expected ${expected}`);
  }
}

/** A precondition of the repository is not met (shallow clone, dirty tree…); the fix is a command. */
export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(`${message}\nFix: ${fix}`);
  }
}

/** True for errors that mean "the user must change something" rather than "the operation failed". */
export function isUsageError(error: unknown): error is InputError | PreconditionError {
  return error instanceof InputError || error instanceof PreconditionError;
}
