// The body of POST /api/sessions/import from the files chosen in the import form (docs/import.md).
// The bridge parses the files; this only reads them as text, checks the size limit first (so a file too
// large is refused here with a clear message, not after uploading it) and keeps the options the format uses.
import { IMPORT_BODY_LIMIT_BYTES, type ImportSessionBody } from '@hinge/protocol';

export interface ImportForm {
  format: ImportSessionBody['format'];
  sacrum: File[];
  thoracic: File[];
  sacrumDevice: string;
  thoracicDevice: string;
  align: 'clock' | 'start';
  columns: string;
  timeUnit: 's' | 'ms' | 'us';
  accUnit: 'm/s2' | 'g';
  gyrUnit: 'rad/s' | 'deg/s';
}

export type ImportBodyResult = { ok: true; body: ImportSessionBody } | { ok: false; problem: 'missing' } | { ok: false; problem: 'tooLarge'; sizeMB: number };

/** Room left in the limit for the JSON around the files' text (names, options, escaping of quotes and tabs). */
const JSON_OVERHEAD = 0.9;

export async function importBody(patientId: string, form: ImportForm): Promise<ImportBodyResult> {
  if (form.sacrum.length === 0 || form.thoracic.length === 0) return { ok: false, problem: 'missing' };
  const bytes = [...form.sacrum, ...form.thoracic].reduce((sum, f) => sum + f.size, 0);
  if (bytes > IMPORT_BODY_LIMIT_BYTES * JSON_OVERHEAD) return { ok: false, problem: 'tooLarge', sizeMB: Math.round(bytes / 1e5) / 10 };
  const files = async (list: File[]) => Promise.all(list.map(async (f) => ({ name: f.name, text: await f.text() })));
  const sensor = async (list: File[], device: string) => ({ files: await files(list), ...(form.format === 'witmotion' && device.trim() !== '' ? { device: device.trim() } : {}) });
  const body: ImportSessionBody = {
    patientId,
    format: form.format,
    sacrum: await sensor(form.sacrum, form.sacrumDevice),
    thoracic: await sensor(form.thoracic, form.thoracicDevice),
    align: form.align,
    ...(form.format === 'generic' ? { columns: form.columns, timeUnit: form.timeUnit, accUnit: form.accUnit, gyrUnit: form.gyrUnit } : {}),
  };
  return { ok: true, body };
}
