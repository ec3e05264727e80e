/**
 * The IBM Cloud account services qiskit-ibm-runtime calls before any runtime request
 * (../shared/spec/ibm-cloud-account.md), on the path prefixes hosts.ts routes their host names
 * to: Global Search (/cloud/global-search), Global Catalog (/cloud/global-catalog), Resource
 * Controller (/cloud/resource-controller). IBM's wire names live here only.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { InstanceHit } from '../../app/accounts.js';
import { SERVICE_NAME } from '../../domain/cloud-account.js';
import type { Instance } from '../../domain/tenancy.js';
import { ErrorBody } from '../schemas/error.js';

const errors = { 400: Type.Ref(ErrorBody), 401: Type.Ref(ErrorBody), 404: Type.Ref(ErrorBody) };
const Loose = Type.Object({}, { additionalProperties: true });

/** The fields Global Search returns when the request names none (IBM's default set). */
const DEFAULT_FIELDS = ['crn', 'name', 'family', 'type'];

/** An instance's GUID: the CRN's resource field (`…:a/<account>:<guid>::`), else its name. */
const guidOf = (i: Instance): string => i.id.split(':')[7] || i.name;

/** Every field a Global Search item can carry. */
function searchDocument(hit: InstanceHit, backends: readonly string[]): Record<string, unknown> {
  const i = hit.instance;
  return {
    crn: i.id,
    name: i.name,
    family: 'resource_controller',
    type: 'resource-instance',
    region: hit.location,
    service_name: SERVICE_NAME,
    service_plan_unique_id: i.planId,
    // IBM Cloud stores tags lower-case; the client compares them lower-cased.
    tags: i.tags.map((t) => t.toLowerCase()),
    // The client skips an item whose doc.extensions is empty ("no backend allocation").
    doc: {
      guid: guidOf(i),
      resource_plan_id: i.planId,
      region_id: hit.location,
      state: 'active',
      extensions: { berth: { backends: [...backends] } },
    },
  };
}

export const globalSearchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { accounts } = app.services;
  app.post(
    '/v3/resources/search',
    {
      schema: {
        tags: ['ibm-cloud'],
        summary: "IBM Cloud Global Search: the caller's Qiskit Runtime instances",
        description:
          'What qiskit-ibm-runtime calls to list instances (service_name:quantum-computing). Supports field:value terms joined by AND (service_name, name, crn, region, tags, type, family; * is a wildcard).',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })) },
          { additionalProperties: true },
        ),
        body: Type.Object(
          {
            query: Type.String({ minLength: 1, maxLength: 2000 }),
            fields: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
            search_cursor: Type.Optional(
              Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]),
            ),
          },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Loose),
            limit: Type.Integer(),
            search_cursor: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 10;
      const { hits, cursor } = accounts.search(req.ctx, {
        query: req.body.query,
        limit,
        cursor: req.body.search_cursor ?? null,
      });
      const fields = new Set(['crn', ...(req.body.fields ?? DEFAULT_FIELDS)]);
      const backends = accounts.backendNames();
      const items = hits.map((h) =>
        Object.fromEntries(
          Object.entries(searchDocument(h, backends)).filter(([k]) => fields.has(k)),
        ),
      );
      return { items, limit, ...(cursor ? { search_cursor: cursor } : {}) };
    },
  );
};

export const globalCatalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { accounts } = app.services;
  app.get(
    '/api/v1/:id',
    {
      schema: {
        tags: ['ibm-cloud'],
        summary: "IBM Cloud Global Catalog: an instance's plan (display name, pricing type)",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        querystring: Type.Object({}, { additionalProperties: true }),
        response: { 200: Loose, ...errors },
      },
    },
    async (req) => {
      const plan = accounts.plan(req.params.id);
      return {
        id: plan.id,
        name: plan.id,
        kind: 'plan',
        active: true,
        disabled: false,
        overview_ui: {
          en: {
            display_name: plan.displayName,
            description: `${plan.displayName} plan of a Berth server`,
            long_description: '',
          },
        },
        metadata: { pricing: { type: plan.pricingType, origin: 'global_catalog' } },
      };
    },
  );
};

export const resourceControllerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { accounts } = app.services;
  app.get(
    '/v2/resource_instances',
    {
      schema: {
        tags: ['ibm-cloud'],
        summary: "IBM Cloud Resource Controller: the caller's instances, by name",
        querystring: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            rows_count: Type.Integer(),
            next_url: Type.Null(),
            resources: Type.Array(Loose),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const found = accounts.resourceInstances(req.ctx, req.query.name);
      return {
        rows_count: found.length,
        next_url: null,
        resources: found.map((i) => ({
          id: i.id,
          guid: guidOf(i),
          crn: i.id,
          name: i.name,
          region_id: i.id.split(':')[5] ?? null,
          resource_id: SERVICE_NAME,
          resource_plan_id: i.planId,
          state: 'active',
          type: 'service_instance',
        })),
      };
    },
  );
};
