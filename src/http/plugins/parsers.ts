/**
 * Body parsers. JSON: an empty body is no body (the Python client sends
 * `Content-Type: application/json` on GETs and DELETEs without one), and prototype-poisoning keys
 * are dropped. Forms: for POST /identity/token, as IBM's IAM takes them.
 */
import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { AppError } from '../../domain/errors.js';

export function registerParsers(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(
          null,
          sjson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }),
        );
      } catch (e) {
        done(
          new AppError(
            'invalid_json',
            `The request body is not valid JSON: ${(e as Error).message}`,
          ),
          undefined,
        );
      }
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_req, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      done(null, Object.fromEntries(new URLSearchParams(text)));
    },
  );
}
