/**
 * Schema validation. Bodies are validated strictly: a wrong type is a 400, never coerced
 * ("5" is not an integer). Query strings and path parameters are text by nature, so there
 * numbers and booleans are coerced and a single value becomes a one-element array.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// ajv-formats is CommonJS with a default export that ESM sees as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export function registerValidation(app: FastifyInstance): void {
  const strict = addFormats(
    new Ajv({ coerceTypes: false, useDefaults: true, strict: false, allErrors: false }),
  );
  const coercing = addFormats(
    new Ajv({ coerceTypes: 'array', useDefaults: true, strict: false, allErrors: false }),
  );
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema),
  );
}
