/** Errors of the quantum library. */

/** A problem with the user's input; the message is for a person (line/column, pub index). */
export class QuantumInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantumInputError';
  }
}

/** A simulation stopped because `shouldStop()` said so. */
export class SimulationCancelledError extends Error {
  constructor() {
    super('simulation cancelled');
    this.name = 'SimulationCancelledError';
  }
}
