/**
 * Every error leaves as the IBM body {trace, errors:[{code, message, more_info}]} with the
 * status from the catalogue. Unknown errors are logged and become a generic 500: never a stack
 * trace or an internal path to a client.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorCode, isAppError } from '../../domain/errors.js';
import { errorBody } from '../schemas/error.js';

/** Fastify's own client errors, mapped to our codes. */
const FASTIFY_CODES: Readonly<Record<string, { status: number; code: ErrorCode }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
};

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/**
 * The first schema violation, in words that name the field and what it must be. A union of
 * literals (`mode`) fails as one `const` error per allowed value: they become the list.
 */
export function validationMessage(issues: readonly ValidationIssue[], context: string): string {
  const first = issues[0];
  const where = `${context}${first?.instancePath ?? ''}`;
  if (!first) return `${where} is invalid`;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties')
    return `${where} has an unknown property ${String(params.additionalProperty)}`;
  const allowed = issues
    .filter((i) => i.instancePath === first.instancePath)
    .flatMap((i) => {
      const p = i.params as { allowedValue?: unknown; allowedValues?: unknown[] };
      if (i.keyword === 'const') return [p.allowedValue];
      if (i.keyword === 'enum') return p.allowedValues ?? [];
      return [];
    });
  if (allowed.length)
    return `${where} must be one of: ${allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isAppError(err)) {
      return reply.code(err.status).send(errorBody(req.id, err.code, err.message));
    }
    if (err.validation) {
      return reply
        .code(400)
        .send(
          errorBody(
            req.id,
            'invalid_request',
            validationMessage(err.validation, err.validationContext ?? 'request'),
          ),
        );
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) return reply.code(known.status).send(errorBody(req.id, known.code, err.message));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody(req.id, 'invalid_request', err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody(req.id, 'internal_error', 'Internal error'));
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    return reply
      .code(404)
      .send(errorBody(req.id, 'not_found', `No such endpoint: ${req.method} ${path}`));
  });
}
