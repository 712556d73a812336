// Response schemas every route shares: the error body of each failure, and downloads.
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { ErrorBody } from '@hinge/protocol';

/** Every failed request answers with an ErrorBody (app.ts). */
export const ERROR_RESPONSES = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

/** A download: the body is a file of `mediaType`, streamed as is (no serialisation). */
export function fileResponse(mediaTypes: string | string[], description: string) {
  // The static type is the stream the handler sends; the schema documents the bytes.
  const schema = Type.Unsafe<Readable | Buffer | string>(Type.String({ description }));
  const content = Object.fromEntries([mediaTypes].flat().map((type) => [type, { schema }]));
  return { 200: { description, content }, ...ERROR_RESPONSES };
}

const anyObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

/** GET /api/sessions/:id/export/about.json: the CSV files' sidecar (exports.ts, CSV_COLUMN_UNITS). */
export const CsvSidecar = Type.Object({
  patient: anyObject('id, name, clinicId'),
  session: anyObject('id, label, startedAt, endedAt, status'),
  settings: anyObject('the session settings'),
  pain: anyObject('before and after, 0-10 or null'),
  files: Type.Record(Type.String(), Type.Array(Type.String()), { description: 'columns of each CSV file' }),
  units: Type.Record(Type.String(), Type.String(), { description: 'what each column holds, with its unit' }),
});
