// REST API (docs/websocket-protocol.md, "REST"): patients, sessions and their lifecycle, sets,
// reps, exports. Every body, query and parameter is validated against the shared schemas.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CreatePatientBody,
  CreateSessionBody,
  CsvQuery,
  IdParams,
  MergePatientBody,
  PainReportBody,
  PatientPatch,
  ReportQuery,
  SessionsQuery,
  SettingsPatch,
  SourceSpec,
  WS_PROTOCOL_VERSION,
  type DisplayLink,
  type Health,
  type RecordingEntry,
} from '@hinge/protocol';
import { readRecording } from '../recording/reader';
import type { RecordingCopy } from '../storage/archive';
import type { SessionRow } from '../storage/store';
import { accessOf, type Access } from './auth';
import { HingeError } from './errors';
import { sessionBundle } from './fhir';
import { writeReportPdf } from '../report/report-pdf';
import { CSV_COLUMN_UNITS, CSV_DECIMAL_COMMA, CSV_DEFAULT, REP_CSV_COLUMNS, anglesCsv, repsCsv, writeMcap } from './exports';
import { sensorRoutes } from './sensor-routes';

declare module 'fastify' {
  interface FastifyRequest {
    access: Access;
  }
}


function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Replay files (by name) in the configured folders. */
export function listReplayFiles(dirs: readonly string[]): RecordingEntry[] {
  const out: RecordingEntry[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!/\.jsonl(\.gz)?$/.test(name) || out.some((e) => e.name === name)) continue;
      out.push({ name, bytes: statSync(path.join(dir, name)).size });
    }
  }
  return out;
}

export async function restRoutes(app: FastifyInstance): Promise<void> {
  const { hub, policy, archive } = app.bridge;

  app.decorateRequest<Access | null>('access', null);
  app.addHook('onRequest', async (request) => {
    const access = accessOf(request, policy);
    if (!access) throw new HingeError('HINGE_ERR_UNAUTHORIZED', 401);
    request.access = access;
  });

  const clinician = async (request: FastifyRequest) => {
    if (request.access.role !== 'clinician') throw new HingeError('HINGE_ERR_FORBIDDEN', 403);
  };
  /** Clinicians, or the display link of this very session. */
  const readSession = async (request: FastifyRequest) => {
    const access = request.access;
    if (access.role === 'display' && access.sessionId !== (request.params as IdParams).id) throw new HingeError('HINGE_ERR_FORBIDDEN', 403);
  };

  app.get('/health', async (): Promise<Health> => ({
    ok: true,
    protocol: WS_PROTOCOL_VERSION,
    sessionsLive: hub.liveCount,
    dataDir: app.bridge.layout.root,
    tokenRequired: policy.tokenRequired,
  }));

  // ---- patients -----------------------------------------------------------------------------------
  app.get('/patients', { preHandler: clinician }, async () => hub.listPatients());
  app.post<{ Body: CreatePatientBody }>('/patients', { preHandler: clinician, schema: { body: CreatePatientBody } }, async (request, reply) =>
    reply.code(201).send(hub.createPatient(request.body)),
  );
  app.get<{ Params: IdParams }>('/patients/:id', { preHandler: clinician, schema: { params: IdParams } }, async (request) => hub.patient(request.params.id));
  app.patch<{ Params: IdParams; Body: PatientPatch }>('/patients/:id', { preHandler: clinician, schema: { params: IdParams, body: PatientPatch } }, async (request) =>
    hub.updatePatient(request.params.id, request.body),
  );
  app.get<{ Params: IdParams }>('/patients/:id/sessions', { preHandler: clinician, schema: { params: IdParams } }, async (request) => {
    const patient = await hub.patient(request.params.id);
    return hub.listSessions({ patientId: patient.id });
  });

  app.post<{ Params: IdParams; Body: MergePatientBody }>(
    '/patients/:id/merge',
    { preHandler: clinician, schema: { params: IdParams, body: MergePatientBody } },
    async (request) => {
      const clinic = app.bridge.clinic;
      if (!clinic) throw new HingeError('HINGE_ERR_CLINIC_DB', 409, 'merging patients needs the clinic database');
      await hub.patient(request.params.id);
      await hub.patient(request.body.into);
      return clinic.mergePatient(request.params.id, request.body.into);
    },
  );

  // ---- sessions -----------------------------------------------------------------------------------
  app.get<{ Querystring: SessionsQuery }>('/sessions', { preHandler: clinician, schema: { querystring: SessionsQuery } }, async (request) =>
    hub.listSessions(request.query),
  );
  app.post<{ Body: CreateSessionBody }>('/sessions', { preHandler: clinician, schema: { body: CreateSessionBody } }, async (request, reply) => {
    const session = await hub.createSession(request.body);
    return reply.code(201).send(session.state());
  });
  app.get<{ Params: IdParams }>('/sessions/:id', { preHandler: readSession, schema: { params: IdParams } }, async (request) => ({
    ...(await hub.sessionState(request.params.id)),
    reps: await archive.listReps(request.params.id),
  }));
  app.put<{ Params: IdParams; Body: SourceSpec }>(
    '/sessions/:id/source',
    { preHandler: clinician, schema: { params: IdParams, body: SourceSpec } },
    async (request) => (await hub.attachSource(request.params.id, request.body)).state(),
  );
  const control = (route: string, act: (id: string) => void | Promise<void>) =>
    app.post<{ Params: IdParams }>(route, { preHandler: clinician, schema: { params: IdParams } }, async (request) => {
      await act(request.params.id);
      return hub.sessionState(request.params.id);
    });
  control('/sessions/:id/calibrate', (id) => hub.liveSession(id).calibrate());
  control('/sessions/:id/sets/start', (id) => hub.liveSession(id).startSet());
  control('/sessions/:id/sets/stop', (id) => hub.liveSession(id).stopSet());
  control('/sessions/:id/stop', (id) => hub.liveSession(id).stop());
  app.patch<{ Params: IdParams; Body: SettingsPatch }>(
    '/sessions/:id/settings',
    { preHandler: clinician, schema: { params: IdParams, body: SettingsPatch } },
    async (request) => {
      hub.liveSession(request.params.id).updateSettings(request.body);
      return hub.sessionState(request.params.id);
    },
  );
  app.post<{ Params: IdParams; Body: PainReportBody }>(
    '/sessions/:id/pain',
    { preHandler: clinician, schema: { params: IdParams, body: PainReportBody } },
    async (request) => hub.reportPain(request.params.id, request.body),
  );
  app.get<{ Params: IdParams }>('/sessions/:id/sets', { preHandler: clinician, schema: { params: IdParams } }, async (request) =>
    (await hub.sessionState(request.params.id)).sets,
  );
  app.get<{ Params: IdParams }>('/sessions/:id/reps', { preHandler: readSession, schema: { params: IdParams } }, async (request) => {
    await hub.sessionRow(request.params.id);
    return archive.listReps(request.params.id);
  });
  app.post<{ Params: IdParams }>('/sessions/:id/display-link', { preHandler: clinician, schema: { params: IdParams } }, async (request) => {
    const token = await hub.createDisplayToken(request.params.id);
    const link: DisplayLink = { token, path: `/?token=${token}#/patient/${request.params.id}` };
    return link;
  });

  // ---- analysis and exports -------------------------------------------------------------------------
  /** The session's recording, from this station's file or reassembled from the clinic database. */
  async function recordingOf(row: SessionRow): Promise<RecordingCopy> {
    const copy = await archive.recording(row);
    if (!copy) throw new HingeError('HINGE_ERR_RECORDING_MISSING', 404);
    return copy;
  }

  async function storedRecording(id: string) {
    const row = await hub.sessionRow(id);
    const copy = await recordingOf(row);
    try {
      const { header, lines } = await readRecording(copy.file, { mode: 'lenient' });
      return { row, header, lines };
    } finally {
      await copy.release();
    }
  }

  app.get<{ Params: IdParams }>('/sessions/:id/analysis', { preHandler: clinician, schema: { params: IdParams } }, async (request) => {
    const { row, header, lines } = await storedRecording(request.params.id);
    return app.bridge.analysis.analyzeOffline(header, lines, row.settings);
  });
  app.get<{ Params: IdParams }>('/sessions/:id/export/recording', { preHandler: clinician, schema: { params: IdParams } }, async (request, reply) => {
    const row = await hub.sessionRow(request.params.id);
    const copy = await recordingOf(row);
    const stream = createReadStream(copy.file);
    stream.on('close', () => void copy.release());
    return reply
      .type('application/x-ndjson')
      .header('content-disposition', `attachment; filename="${row.id}.jsonl"`)
      .send(stream);
  });
  const csvFormat = (query: CsvQuery) => (query.decimal === 'comma' ? CSV_DECIMAL_COMMA : CSV_DEFAULT);
  app.get<{ Params: IdParams; Querystring: CsvQuery }>(
    '/sessions/:id/export/angles.csv',
    { preHandler: clinician, schema: { params: IdParams, querystring: CsvQuery } },
    async (request, reply) => {
      const { row, header, lines } = await storedRecording(request.params.id);
      const doc = app.bridge.analysis.analyzeWithAngles(header, lines, row.settings);
      const angles = doc.angles ?? { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };
      return reply
        .type('text/csv')
        .header('content-disposition', `attachment; filename="${row.id}-angles.csv"`)
        .send(Readable.from(anglesCsv(angles, csvFormat(request.query))));
    },
  );
  app.get<{ Params: IdParams; Querystring: CsvQuery }>(
    '/sessions/:id/export/reps.csv',
    { preHandler: clinician, schema: { params: IdParams, querystring: CsvQuery } },
    async (request, reply) => {
      const row = await hub.sessionRow(request.params.id);
      return reply
        .type('text/csv')
        .header('content-disposition', `attachment; filename="${row.id}-reps.csv"`)
        .send(repsCsv(await archive.listReps(row.id), csvFormat(request.query)));
    },
  );
  // The CSV files' sidecar: whose session it is, when, its settings, and each column's unit.
  app.get<{ Params: IdParams }>('/sessions/:id/export/about.json', { preHandler: clinician, schema: { params: IdParams } }, async (request, reply) => {
    const session = await hub.sessionState(request.params.id);
    const patient = await hub.patient(session.patientId);
    return reply.header('content-disposition', `attachment; filename="${session.id}-about.json"`).send({
      patient: { id: patient.id, name: patient.name, clinicId: patient.clinicId },
      session: { id: session.id, label: session.label, startedAt: session.startedAt, endedAt: session.endedAt, status: session.status },
      settings: session.settings,
      pain: { before: session.painBefore ?? null, after: session.painAfter ?? null },
      files: { 'reps.csv': REP_CSV_COLUMNS, 'angles.csv': ['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg'] },
      units: CSV_COLUMN_UNITS,
    });
  });
  app.get<{ Params: IdParams }>('/sessions/:id/export/fhir.json', { preHandler: clinician, schema: { params: IdParams } }, async (request, reply) => {
    const session = await hub.sessionRow(request.params.id);
    const bundle = sessionBundle({
      patient: await hub.patient(session.patientId),
      session,
      reps: await archive.listReps(session.id),
      painReports: await archive.listPainReports(session.id),
    });
    return reply
      .type('application/fhir+json')
      .header('content-disposition', `attachment; filename="${session.id}-fhir.json"`)
      .send(JSON.stringify(bundle));
  });
  app.get<{ Params: IdParams; Querystring: ReportQuery }>(
    '/sessions/:id/export/report.pdf',
    { preHandler: clinician, schema: { params: IdParams, querystring: ReportQuery } },
    async (request, reply) => {
      const timeZone = request.query.tz ?? 'UTC';
      if (!isTimeZone(timeZone)) throw new HingeError('HINGE_ERR_BAD_TIME_ZONE', 400, timeZone);
      const session = await hub.sessionState(request.params.id);
      const row = await hub.sessionRow(session.id);
      const reps = await archive.listReps(session.id);
      // The angle chart needs the recording; without one the report says the rest.
      const copy = await archive.recording(row);
      let angles = null;
      if (copy) {
        try {
          const { header, lines } = await readRecording(copy.file, { mode: 'lenient' });
          angles = app.bridge.analysis.analyzeWithAngles(header, lines, row.settings).angles ?? null;
        } finally {
          await copy.release();
        }
      }
      const patient = await hub.patient(session.patientId);
      const pdf = await writeReportPdf({ patient, session, reps, angles }, { language: request.query.lang ?? 'en', timeZone });
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${session.id}-report.pdf"`).send(pdf);
    },
  );
  app.get<{ Params: IdParams }>('/sessions/:id/export/session.mcap', { preHandler: clinician, schema: { params: IdParams } }, async (request, reply) => {
    const { row, header, lines } = await storedRecording(request.params.id);
    const doc = app.bridge.analysis.analyzeWithAngles(header, lines, row.settings);
    const dir = await mkdtemp(path.join(tmpdir(), 'hinge-mcap-'));
    const file = path.join(dir, `${row.id}.mcap`);
    try {
      await writeMcap(file, { header, lines, angles: doc.angles, reps: await archive.listReps(row.id) });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const stream = createReadStream(file);
    stream.on('close', () => void rm(dir, { recursive: true, force: true }));
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${row.id}.mcap"`)
      .send(stream);
  });

  app.get('/recordings', { preHandler: clinician }, async () => listReplayFiles(app.bridge.replayDirs));

  // ---- Bluetooth sensors: scan, tap to identify, remembered placements ----------------------------
  await app.register(sensorRoutes, { clinician });
}
