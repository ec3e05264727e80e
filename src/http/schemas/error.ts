/** The IBM error body, for every 4xx and 5xx (runtime-api.md §1). */
import { Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  {
    trace: Type.String({ description: 'the request id' }),
    errors: Type.Array(
      Type.Object({
        code: Type.String({ description: 'snake_case error code' }),
        message: Type.String({ description: 'for a person' }),
        more_info: Type.String({ description: 'where to read more' }),
      }),
    ),
  },
  { $id: 'ErrorBody', description: 'IBM error shape' },
);

/** Where the error codes are documented. */
export const MORE_INFO = '/docs#errors';

export function errorBody(trace: string, code: string, message: string) {
  return { trace, errors: [{ code, message, more_info: `${MORE_INFO}-${code}` }] };
}
