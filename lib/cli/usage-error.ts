import { CodedError } from '../util/errors.js';
/** Bad usage or bad input: exit status 2, a one-paragraph message, no stack trace. */
export class UsageError extends CodedError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}
