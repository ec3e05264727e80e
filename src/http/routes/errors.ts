/**
 * The error catalogue, where every error's `more_info` points: GET /errors lists every code,
 * GET /errors/{code} one of them, each as JSON or, for a browser (Accept: text/html), as a page.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../../domain/errors.js';
import { moreInfo } from '../schemas/error.js';

const Entry = Type.Object({
  code: Type.String(),
  status: Type.Integer(),
  message: Type.String({ description: 'the usual message (the answer itself may say more)' }),
  cause: Type.String(),
  fix: Type.String({ description: 'what to do' }),
  more_info: Type.String(),
});

const CODES = Object.keys(ERRORS) as ErrorCode[];
const entry = (code: ErrorCode) => ({ code, ...ERRORS[code], more_info: moreInfo(code) });

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, codes: readonly ErrorCode[]): string {
  const sections = codes
    .map((code) => {
      const e = ERRORS[code];
      return `<section id="${code}"><h2><code>${code}</code> <small>HTTP ${e.status}</small></h2>
<p><b>Message:</b> ${escape(e.message)}</p><p><b>Cause:</b> ${escape(e.cause)}</p><p><b>What to do:</b> ${escape(e.fix)}</p></section>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #8886;padding:.5rem 0}small{font-weight:normal;opacity:.7}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#9cf}}</style></head>
<body><h1>${escape(title)}</h1><p>Every error answer has the shape
<code>{"trace", "errors": [{"code", "message", "more_info"}]}</code>; <code>more_info</code> links
here. The <a href="/errors">whole catalogue</a>; the <a href="/docs">API reference</a>.</p>
${sections}</body></html>`;
}

/**
 * A browser asks for HTML first; curl, jq and clients get JSON. (The page is sent as a string
 * with its own type, past the JSON schema: hence the casts below.)
 */
const wantsHtml = (req: FastifyRequest): boolean => {
  const accept = req.headers.accept ?? '';
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
};

export const errorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { config: { public: true } } as const;
  app.get(
    '/errors',
    {
      ...common,
      schema: {
        tags: ['errors'],
        summary: 'Every error code: its status, cause and what to do (HTML for a browser)',
        security: [],
        response: { 200: Type.Object({ errors: Type.Array(Entry) }) },
      },
    },
    async (req, reply) => {
      if (wantsHtml(req))
        return reply
          .type('text/html; charset=utf-8')
          .send(page('Berth error codes', CODES) as never);
      return { errors: CODES.map(entry) };
    },
  );
  app.get(
    '/errors/:code',
    {
      ...common,
      schema: {
        tags: ['errors'],
        summary: 'One error code (HTML for a browser)',
        security: [],
        params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
        response: { 200: Entry },
      },
    },
    async (req, reply) => {
      const code = req.params.code as ErrorCode;
      if (!Object.hasOwn(ERRORS, code))
        throw new AppError(
          'not_found',
          `No error code ${req.params.code}: GET /errors lists them all`,
        );
      if (wantsHtml(req))
        return reply
          .type('text/html; charset=utf-8')
          .send(page(`Berth error ${code}`, [code]) as never);
      return entry(code);
    },
  );
};
