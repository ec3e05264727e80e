/** Errors of the QPY reader: a 400 at submission that says what and where. */
import { QuantumInputError } from '../../errors.js';

/** The bytes are not a QPY payload this reader can read (truncated, inconsistent, hostile). */
export class QpyError extends QuantumInputError {
  constructor(message: string) {
    super(`QPY: ${message}`);
    this.name = 'QpyError';
  }
}
