/** Shapes shared by the wire schemas. */
import { type TSchema, Type } from '@sinclair/typebox';

/** ISO 8601 UTC with milliseconds and `Z`, or null when unset (runtime-api.md §1). */
export const DateTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Date → wire datetime. */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
};
