/** Bad evaluation input — a malformed file, a missing field, an id that does not resolve. A user error, not a bug. */
export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}
