import { describe, expect, it } from 'vitest';
import { IMPORT_BODY_LIMIT_BYTES } from '@hinge/protocol';
import { importBody, type ImportForm } from './importUpload';

const form = (over: Partial<ImportForm>): ImportForm => ({
  format: 'witmotion',
  sacrum: [],
  thoracic: [],
  sacrumDevice: '',
  thoracicDevice: '',
  align: 'clock',
  columns: '',
  timeUnit: 's',
  accUnit: 'm/s2',
  gyrUnit: 'rad/s',
  ...over,
});

describe('import upload body', () => {
  it('reads the files as text and keeps only the options of the format', async () => {
    const f = new File(['time\tAccX(g)\n'], 'wit.txt');
    const r = await importBody('p1', form({ sacrum: [f], thoracic: [f], sacrumDevice: ' A ', thoracicDevice: 'B', columns: 'ignored' }));
    expect(r).toEqual({
      ok: true,
      body: { patientId: 'p1', format: 'witmotion', align: 'clock', sacrum: { files: [{ name: 'wit.txt', text: 'time\tAccX(g)\n' }], device: 'A' }, thoracic: { files: [{ name: 'wit.txt', text: 'time\tAccX(g)\n' }], device: 'B' } },
    });
  });

  it('refuses before uploading: a sensor without files, or more than the bridge accepts', async () => {
    expect(await importBody('p1', form({ sacrum: [new File(['x'], 'a.csv')] }))).toEqual({ ok: false, problem: 'missing' });
    const big = { size: IMPORT_BODY_LIMIT_BYTES, name: 'big.csv', text: async () => '' } as unknown as File;
    expect(await importBody('p1', form({ sacrum: [big], thoracic: [new File(['x'], 'b.csv')] }))).toMatchObject({ ok: false, problem: 'tooLarge' });
  });
});
