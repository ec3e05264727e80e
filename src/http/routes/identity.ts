/**
 * POST /identity/token, IBM IAM's shape, outside /api/v1 so that IAM_URL=http://host:port works.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TOKEN_TTL_SECONDS } from '../../app/auth.js';
import { AppError } from '../../domain/errors.js';
import { registerFormParser } from '../plugins/parsers.js';

const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';

export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // IBM's IAM takes a form; this plugin's routes alone read one (every other route is JSON).
  registerFormParser(app);
  app.post(
    '/identity/token',
    {
      config: { public: true, acceptsForm: true },
      schema: {
        tags: ['identity'],
        summary: 'Exchange an API key for an access token (IBM IAM compatible)',
        security: [],
        consumes: ['application/x-www-form-urlencoded'],
        body: Type.Object(
          { grant_type: Type.String(), apikey: Type.String({ minLength: 1, maxLength: 512 }) },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            access_token: Type.String(),
            refresh_token: Type.String(),
            token_type: Type.Literal('Bearer'),
            expires_in: Type.Integer(),
            expiration: Type.Integer(),
          }),
        },
      },
    },
    async (req) => {
      if (req.body.grant_type !== APIKEY_GRANT) {
        throw new AppError('invalid_request', `grant_type must be ${APIKEY_GRANT}`);
      }
      const { token, expiresAt } = await app.services.auth.issueToken(req.body.apikey);
      return {
        access_token: token,
        refresh_token: 'not_supported',
        token_type: 'Bearer' as const,
        expires_in: TOKEN_TTL_SECONDS,
        expiration: expiresAt,
      };
    },
  );
};
