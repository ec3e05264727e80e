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

/** Send JSON text as it is (it was serialised once, at start-up). */
const sendJson = (reply: FastifyReply, json: string): FastifyReply =>
  reply
    .type('application/json; charset=utf-8')
    .serializer((x) => x as string)
    .send(json);

const errors = { 401: Type.Ref(ErrorBody), 404: Type.Ref(ErrorBody) };

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
        summary: 'Qiskit backend configuration',
        params: NameParams,
        response: { 200: AnyObject, ...errors },
      },
    },
    async (req, reply) => sendJson(reply, backends.configuration(req.params.name)),
  );
  app.get(
    '/backends/:name/properties',
    {
      schema: {
        tags,
        summary: 'Qiskit backend properties (calibration)',
        params: NameParams,
        response: { 200: AnyObject, ...errors },
      },
    },
    async (req, reply) => sendJson(reply, backends.properties(req.params.name)),
  );
};
