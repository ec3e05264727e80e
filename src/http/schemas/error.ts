/** The IBM error body, for every 4xx and 5xx (runtime-api.md §1). */
import { Type } from '@sinclair/typebox';
import type { ErrorCode } from '../../domain/errors.js';

export const ErrorBody = Type.Object(
  {
    trace: Type.String({ description: 'the request id' }),
    errors: Type.Array(
      Type.Object({
        code: Type.String({ description: 'snake_case error code' }),
        message: Type.String({ description: 'for a person' }),
        more_info: Type.String({
          description: 'where the code is explained: a path on this server, /errors/{code}',
        }),
      }),
    ),
  },
  { $id: 'ErrorBody', description: 'IBM error shape' },
);

/** Where an error code is explained: its entry in the catalogue the server serves (routes/errors.ts). */
export const moreInfo = (code: ErrorCode): string => `/errors/${code}`;

export function errorBody(trace: string, code: ErrorCode, message: string) {
  return { trace, errors: [{ code, message, more_info: moreInfo(code) }] };
}
