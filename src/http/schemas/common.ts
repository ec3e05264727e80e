/** Shapes shared by the wire schemas. */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * A value or null, as OpenAPI 3.0's `nullable: true` (which Ajv and fast-json-stringify both
 * read) rather than `anyOf [T, null]`: the serializer then writes the field directly, where an
 * `anyOf` made it run a validator per field of every answer (a third of a GET's time).
 */
export const Nullable = <T extends TSchema>(t: T) =>
  Type.Unsafe<Static<T> | null>({ ...t, nullable: true });

/** ISO 8601 UTC with milliseconds and `Z`, or null when unset (runtime-api.md §1). */
export const DateTime = Nullable(Type.String({ format: 'date-time' }));

/** Date → wire datetime. */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
};
