// A session as an HL7 FHIR R4 transaction Bundle, for filing in a clinic's record system (EHR): the
// Patient (created only if no patient with the clinic identifier exists: `ifNoneExist`) and one
// Observation each for the rep count, the share of clean reps, the peak lumbar flexion, and the pain
// before and after. Specification: https://hl7.org/fhir/R4/bundle.html, .../observation.html.
// Codes: pain is LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
// (https://loinc.org/72514-3). Neither LOINC nor SNOMED CT has a code for a hip-hinge rep count, a
// clean-rep share or a sensor-measured peak lumbar flexion during an exercise, so those use this
// project's own code system (SESSION_METRICS_SYSTEM) and say so in `code.text`. Categories come from
// the FHIR observation-category code system (activity, survey); units from UCUM.
import { createHash } from 'node:crypto';
import type { Patient, RepRecord } from '@hinge/protocol';
import type { PainReport, SessionRow } from '../storage/store';

export const SESSION_METRICS_SYSTEM = 'urn:hinge-trainer:fhir:session-metrics';
export const CLINIC_ID_SYSTEM = 'urn:hinge-trainer:clinic-id';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';

export interface FhirSessionInput {
  patient: Patient;
  session: SessionRow;
  reps: readonly RepRecord[];
  painReports: readonly PainReport[];
}

type FhirResource = Record<string, unknown> & { resourceType: string };
interface BundleEntry {
  fullUrl: string;
  resource: FhirResource;
  request: { method: 'POST'; url: string; ifNoneExist?: string };
}
export interface FhirBundle {
  resourceType: 'Bundle';
  type: 'transaction';
  timestamp: string;
  entry: BundleEntry[];
}

/** A stable urn:uuid for one of this session's resources (same export, same ids). */
function uuidFor(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

const quantity = (value: number, unit: string, code: string) => ({ value: Number(value.toFixed(3)), unit, system: UCUM, code });

/** Latest pain report of a phase; for "before", the pain level set on the session when there is none. */
function painOf(input: FhirSessionInput, phase: 'before' | 'after'): { scoreNrs: number; at: string } | null {
  const reports = input.painReports.filter((p) => p.phase === phase);
  const latest = reports[reports.length - 1];
  if (latest) return { scoreNrs: latest.scoreNrs, at: latest.createdAt };
  const level = input.session.settings.painLevel;
  if (phase === 'before' && level !== null) return { scoreNrs: level, at: input.session.startedAt ?? input.session.createdAt };
  return null;
}

export function sessionBundle(input: FhirSessionInput, now = new Date()): FhirBundle {
  const { patient, session, reps } = input;
  const patientUrl = uuidFor(`patient:${patient.id}`);
  const effective = session.startedAt ?? session.createdAt;
  const subject = { reference: patientUrl, display: patient.name };

  const patientResource: FhirResource = {
    resourceType: 'Patient',
    active: true,
    name: [{ text: patient.name }],
    ...(patient.clinicId
      ? { identifier: [{ use: 'usual', type: { coding: [{ system: IDENTIFIER_TYPE, code: 'MR' }] }, system: CLINIC_ID_SYSTEM, value: patient.clinicId }] }
      : {}),
  };
  const entries: BundleEntry[] = [
    {
      fullUrl: patientUrl,
      resource: patientResource,
      request: { method: 'POST', url: 'Patient', ...(patient.clinicId ? { ifNoneExist: `identifier=${CLINIC_ID_SYSTEM}|${patient.clinicId}` } : {}) },
    },
  ];

  const observation = (key: string, category: 'activity' | 'survey', code: object, value: object, at = effective): void => {
    entries.push({
      fullUrl: uuidFor(`session:${session.id}:${key}`),
      resource: {
        resourceType: 'Observation',
        status: session.status === 'live' || session.status === 'created' ? 'preliminary' : 'final',
        category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: category }] }],
        code,
        subject,
        effectiveDateTime: at,
        ...value,
        note: [{ text: `hip hinge session "${session.label}"${session.station ? ` at station ${session.station}` : ''} (${session.id})` }],
      },
      request: { method: 'POST', url: 'Observation' },
    });
  };
  const metric = (code: string, text: string) => ({ coding: [{ system: SESSION_METRICS_SYSTEM, code, display: text }], text });

  observation('reps', 'activity', metric('hip-hinge-reps', 'Hip hinge repetitions performed'), { valueQuantity: quantity(reps.length, 'repetitions', '{repetitions}') });
  if (reps.length > 0) {
    const clean = reps.filter((r) => r.faults.length === 0).length;
    observation('clean-share', 'activity', metric('hip-hinge-clean-rep-share', 'Share of hip hinge repetitions without faults'), {
      valueQuantity: quantity((100 * clean) / reps.length, '%', '%'),
    });
  }
  const lumbar = reps.map((r) => r.peakLumbarDeg).filter((d): d is number => d !== null);
  if (lumbar.length > 0) {
    observation('peak-lumbar', 'activity', metric('peak-lumbar-flexion', 'Peak lumbar flexion during hip hinge repetitions (sensor-measured)'), {
      valueQuantity: quantity(Math.max(...lumbar), 'degrees', 'deg'),
    });
  }
  for (const phase of ['before', 'after'] as const) {
    const pain = painOf(input, phase);
    if (!pain) continue;
    observation(
      `pain-${phase}`,
      'survey',
      { coding: [{ system: LOINC, code: '72514-3', display: 'Pain severity - 0-10 verbal numeric rating [Score] - Reported' }], text: `Pain ${phase} the session (0-10)` },
      { valueQuantity: { value: pain.scoreNrs, unit: 'score', system: UCUM, code: '{score}' } },
      pain.at,
    );
  }
  return { resourceType: 'Bundle', type: 'transaction', timestamp: now.toISOString(), entry: entries };
}
