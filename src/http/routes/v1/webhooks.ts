/** Webhooks per instance (Berth's addition): create, list, get, delete, and the delivery log. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { IdParams } from '../../schemas/common.js';
import { ErrorBody } from '../../schemas/error.js';
import {
  CreateWebhookBody,
  CreatedWebhook,
  DeliveriesQuery,
  DeliverySchema,
  WebhookSchema,
  toWireDelivery,
  toWireWebhook,
} from '../../schemas/webhook.js';

const errors = { 400: Type.Ref(ErrorBody), 401: Type.Ref(ErrorBody), 404: Type.Ref(ErrorBody) };

export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['webhooks'];
  const { webhooks } = app.services;

  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary: "Subscribe a URL to the instance's events (Berth)",
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { webhook, secret } = await webhooks.create(req.ctx, {
        url: b.url,
        eventTypes: b.events,
        secret: b.secret,
        description: b.description,
      });
      return reply.code(201).send({ ...toWireWebhook(webhook), secret });
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        summary: "List the instance's webhooks (Berth)",
        response: { 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }), ...errors },
      },
    },
    async (req) => ({ webhooks: (await webhooks.list(req.ctx)).map(toWireWebhook) }),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Get a webhook (Berth)',
        params: IdParams,
        response: { 200: WebhookSchema, ...errors },
      },
    },
    async (req) => toWireWebhook(await webhooks.get(req.ctx, req.params.id)),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook; its pending deliveries are dropped (Berth)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await webhooks.remove(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: "A webhook's delivery log, newest first (Berth)",
        params: IdParams,
        querystring: DeliveriesQuery,
        response: {
          200: Type.Object({
            deliveries: Type.Array(DeliverySchema),
            count: Type.Integer(),
            limit: Type.Integer(),
            offset: Type.Integer(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const offset = req.query.offset ?? 0;
      const page = await webhooks.deliveries(req.ctx, req.params.id, { limit, offset });
      return { deliveries: page.items.map(toWireDelivery), count: page.count, limit, offset };
    },
  );
};
