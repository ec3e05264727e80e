/** Backends: runtime-api.md §5. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  AnyObject,
  BackendStatus,
  DeviceList,
  NameParams,
  toBackendStatus,
  toDevice,
} from '../../schemas/backend.js';
import { ErrorBody } from '../../schemas/error.js';
import { AppError } from '../../../domain/errors.js';

/** Send JSON text as it is (it was serialised once, at start-up). */
const sendJson = (reply: FastifyReply, json: string): FastifyReply =>
  reply
    .type('application/json; charset=utf-8')
    .serializer((x) => x as string)
    .send(json);

const errors = {
  400: Type.Ref(ErrorBody),
  401: Type.Ref(ErrorBody),
  404: Type.Ref(ErrorBody),
};

export const backendRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['backends'];
  const { backends } = app.services;

  app.get(
    '/backends',
    {
      schema: {
        tags,
        summary: 'List backends ({devices: [...]})',
        response: { 200: DeviceList, ...errors },
      },
    },
    async () => ({ devices: (await backends.list()).map(toDevice) }),
  );
  app.get(
    '/backends/:name/status',
    {
      schema: {
        tags,
        summary: 'Backend status and queue length',
        params: NameParams,
        response: { 200: BackendStatus, ...errors },
      },
    },
    async (req) => toBackendStatus(await backends.status(req.params.name)),
  );
  app.get(
    '/backends/:name/configuration',
    {
      schema: {
        tags,
        summary: 'Qiskit backend configuration (of a calibration, with calibration_id)',
        params: NameParams,
        querystring: Type.Object({
          calibration_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        }),
        response: { 200: AnyObject, ...errors },
      },
    },
    async (req, reply) =>
      sendJson(reply, await backends.configuration(req.params.name, req.query.calibration_id)),
  );
  app.get(
    '/backends/:name/properties',
    {
      schema: {
        tags,
        summary: 'Qiskit backend properties (calibration): the newest, or one from the history',
        description:
          'calibration_id names a calibration of the backend; updated_before (ISO 8601; UTC when it has no offset) selects the newest calibration updated at or before it. Either answers 404 calibration_not_found when there is none.',
        params: NameParams,
        querystring: Type.Object({
          calibration_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          updated_before: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }),
        response: { 200: AnyObject, ...errors },
      },
    },
    async (req, reply) =>
      sendJson(
        reply,
        await backends.properties(req.params.name, {
          calibrationId: req.query.calibration_id,
          updatedBefore: parseInstant(req.query.updated_before, 'updated_before'),
        }),
      ),
  );
  app.get(
    '/backends/:name/calibrations',
    {
      schema: {
        tags,
        summary: "The backend's calibrations, newest first (Berth)",
        params: NameParams,
        response: {
          200: Type.Object({
            calibrations: Type.Array(
              Type.Object({
                calibration_id: Type.String(),
                last_update_date: Type.String(),
                recorded_at: Type.String(),
                source: Type.String(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => ({
      calibrations: (await backends.calibrations(req.params.name)).map((c) => ({
        calibration_id: c.id,
        last_update_date: c.lastUpdate.toISOString(),
        recorded_at: c.createdAt.toISOString(),
        source: c.source,
      })),
    }),
  );
};

/**
 * An ISO 8601 instant from a query; without an offset it is UTC (what Python's
 * `datetime.isoformat()` of a naive UTC datetime sends). A 400 naming the parameter otherwise.
 */
function parseInstant(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes('T') ? value : `${value}Z`;
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new AppError(
      'invalid_request',
      `querystring/${name} must be an ISO 8601 date-time such as 2026-11-28T13:11:43Z; got ${JSON.stringify(value)}`,
    );
  return new Date(at);
}
