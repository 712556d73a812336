// REST API (docs/websocket-protocol.md, "REST"): patients, sessions and their lifecycle, sets,
// reps, exports. Every body, query and parameter is validated against the shared schemas.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  AngleSeries,
  Annotation,
  AnnotationBody,
  CreatePatientBody,
  CreateSessionBody,
  CsvQuery,
  DisplayLink,
  Health,
  IdParams,
  MergePatientBody,
  PainReportBody,
  PatientPatch,
  ReportQuery,
  Patient,
  RecordingEntry,
  RepRecord,
  SessionAnalysis,
  SessionDetail,
  SessionState,
  SessionsQuery,
  SetRecord,
  SettingsPatch,
  SourceSpec,
  WS_PROTOCOL_VERSION,
  type ClinicHealth,
} from '@hinge/protocol';
import { readRecording } from '../recording/reader';
import type { RecordingCopy } from '../storage/archive';
import type { SessionRow } from '../storage/store';
import { legacySettings } from './recovery';
import { accessOf, isLoopbackHost, type Access } from './auth';
import { HingeError } from './errors';
import { writeReportPdf } from '../report/report-pdf';
import { CSV_COLUMN_UNITS, CSV_DECIMAL_COMMA, CSV_DEFAULT, REP_CSV_COLUMNS, anglesCsv, repsCsv } from './exports';
import { sessionBundle } from './fhir';
import { writeMcap } from './mcap-export';
import { sensorRoutes } from './sensor-routes';
import { CsvSidecar, ERROR_RESPONSES, fileResponse } from './route-schemas';

declare module 'fastify' {
  interface FastifyRequest {
    access: Access;
  }
}


/** Where another device can reach a bridge listening on `listenHost`: every non-internal IPv4 address for a wildcard, the address itself otherwise, nothing for loopback. */
export function networkHosts(listenHost: string): string[] {
  if (isLoopbackHost(listenHost) || listenHost === 'localhost') return [];
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return [listenHost];
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && a.family === 'IPv4')
    .map((a) => a.address);
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const EMPTY_ANGLES: AngleSeries = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };

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

export async function restRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
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
  const ok = <T>(schema: T) => ({ 200: schema, ...ERROR_RESPONSES });

  app.get('/health', { schema: { tags: ['bridge'], response: ok(Health) } }, async () => ({
    ok: true as const,
    protocol: WS_PROTOCOL_VERSION,
    sessionsLive: hub.liveCount,
    dataDir: app.bridge.layout.root,
    tokenRequired: policy.tokenRequired,
    ...(app.bridge.clinic ? { clinic: clinicHealth() } : {}),
  }));

  // The OpenAPI document of these routes (generated from their schemas by @fastify/swagger).
  app.get('/openapi.json', { schema: { tags: ['bridge'], response: ok(Type.Object({ openapi: Type.String() }, { additionalProperties: true })) } }, async () =>
    fastify.swagger() as { openapi: string },
  );

  function clinicHealth(): ClinicHealth {
    const { pusher, store, station } = app.bridge;
    return {
      mode: pusher ? 'station' : 'review',
      station,
      push: pusher
        ? { connected: pusher.stats.connected, outboxSize: store.outboxSize, lastError: pusher.stats.lastError, chunksPushed: pusher.stats.chunksPushed }
        : null,
    };
  }

  registerPatientRoutes();
  registerSessionRoutes();
  registerExportRoutes();
  app.get('/recordings', { preHandler: clinician, schema: { tags: ['sessions'], response: ok(Type.Array(RecordingEntry)) } }, async () =>
    listReplayFiles(app.bridge.replayDirs),
  );
  // Bluetooth sensors: scan, tap to identify, remembered placements.
  await app.register(sensorRoutes, { clinician });

  function registerPatientRoutes() {
    const tags = ['patients'];
    app.get('/patients', { preHandler: clinician, schema: { tags, response: ok(Type.Array(Patient)) } }, async () => hub.listPatients());
    app.post('/patients', { preHandler: clinician, schema: { tags, body: CreatePatientBody, response: { 201: Patient, ...ERROR_RESPONSES } } }, async (request, reply) =>
      reply.code(201).send(hub.createPatient(request.body)),
    );
    app.get('/patients/:id', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(Patient) } }, async (request) => hub.patient(request.params.id));
    app.patch('/patients/:id', { preHandler: clinician, schema: { tags, params: IdParams, body: PatientPatch, response: ok(Patient) } }, async (request) =>
      hub.updatePatient(request.params.id, request.body),
    );
    app.get('/patients/:id/sessions', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(Type.Array(SessionState)) } }, async (request) => {
      const patient = await hub.patient(request.params.id);
      return hub.listSessions({ patientId: patient.id });
    });
    app.post('/patients/:id/merge', { preHandler: clinician, schema: { tags, params: IdParams, body: MergePatientBody, response: ok(Patient) } }, async (request) => {
      const clinic = app.bridge.clinic;
      if (!clinic) throw new HingeError('HINGE_ERR_CLINIC_DB', 409, 'merging patients needs the clinic database');
      await hub.patient(request.params.id);
      await hub.patient(request.body.into);
      return clinic.mergePatient(request.params.id, request.body.into);
    });
  }

  function registerSessionRoutes() {
    const tags = ['sessions'];
    app.get('/sessions', { preHandler: clinician, schema: { tags, querystring: SessionsQuery, response: ok(Type.Array(SessionState)) } }, async (request) =>
      hub.listSessions({ patientId: request.query.patientId, status: request.query.status }),
    );
    app.post('/sessions', { preHandler: clinician, schema: { tags, body: CreateSessionBody, response: { 201: SessionState, ...ERROR_RESPONSES } } }, async (request, reply) => {
      const session = await hub.createSession(request.body);
      return reply.code(201).send(session.state());
    });
    app.get('/sessions/:id', { preHandler: readSession, schema: { tags, params: IdParams, response: ok(SessionDetail) } }, async (request) => ({
      ...(await hub.sessionState(request.params.id)),
      reps: await archive.listReps(request.params.id),
    }));
    app.put('/sessions/:id/source', { preHandler: clinician, schema: { tags, params: IdParams, body: SourceSpec, response: ok(SessionState) } }, async (request) =>
      (await hub.attachSource(request.params.id, request.body)).state(),
    );
    const control = (route: string, summary: string, act: (id: string) => void | Promise<void>) =>
      app.post(route, { preHandler: clinician, schema: { tags, summary, params: IdParams, response: ok(SessionState) } }, async (request) => {
        await act(request.params.id);
        return hub.sessionState(request.params.id);
      });
    control('/sessions/:id/calibrate', 'mark standing still now as the neutral', (id) => hub.liveSession(id).calibrate());
    control('/sessions/:id/sets/start', 'begin the next set', (id) => hub.liveSession(id).startSet());
    control('/sessions/:id/sets/stop', 'end the running set', (id) => hub.liveSession(id).stopSet());
    control('/sessions/:id/stop', 'end the session', (id) => hub.liveSession(id).stop());
    app.patch('/sessions/:id/settings', { preHandler: clinician, schema: { tags, params: IdParams, body: SettingsPatch, response: ok(SessionState) } }, async (request) => {
      hub.liveSession(request.params.id).updateSettings(request.body);
      return hub.sessionState(request.params.id);
    });
    app.post(
      '/sessions/:id/annotations',
      { preHandler: clinician, schema: { tags, summary: 'a note at the current time of a running session (an `annotation` line)', params: IdParams, body: AnnotationBody, response: { 201: Annotation, ...ERROR_RESPONSES } } },
      async (request, reply) => reply.code(201).send(hub.liveSession(request.params.id).annotate(request.body.text)),
    );
    app.post('/sessions/:id/pain', { preHandler: clinician, schema: { tags, params: IdParams, body: PainReportBody, response: ok(SessionState) } }, async (request) =>
      hub.reportPain(request.params.id, request.body),
    );
    app.get('/sessions/:id/sets', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(Type.Array(SetRecord)) } }, async (request) =>
      (await hub.sessionState(request.params.id)).sets,
    );
    app.get('/sessions/:id/reps', { preHandler: readSession, schema: { tags, params: IdParams, response: ok(Type.Array(RepRecord)) } }, async (request) => {
      await hub.sessionRow(request.params.id);
      return archive.listReps(request.params.id);
    });
    app.post('/sessions/:id/display-link', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(DisplayLink) } }, async (request) => {
      const token = await hub.createDisplayToken(request.params.id);
      return { token, path: `/?token=${token}#/patient/${request.params.id}`, networkHosts: networkHosts(app.bridge.listenHost) };
    });
  }

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

  function registerExportRoutes() {
    const tags = ['exports'];
    app.get('/sessions/:id/analysis', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(SessionAnalysis) } }, async (request) => {
      const { row, header, lines } = await storedRecording(request.params.id);
      return app.bridge.analysis.analyzeOffline(header, lines, legacySettings(header, row));
    });
    app.get('/sessions/:id/angles', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(AngleSeries) } }, async (request) => {
      const { row, header, lines } = await storedRecording(request.params.id);
      return app.bridge.analysis.analyzeWithAngles(header, lines, legacySettings(header, row)).angles ?? EMPTY_ANGLES;
    });
    app.get('/sessions/:id/export/recording', { preHandler: clinician, schema: { tags, params: IdParams, response: fileResponse(['application/gzip', 'application/x-ndjson'], 'the recording as stored (docs/recording-format.md): SESSION.jsonl.gz (live sessions record compressed) or SESSION.jsonl (older ones)') } }, async (request, reply) => {
      const row = await hub.sessionRow(request.params.id);
      const copy = await recordingOf(row);
      const stream = createReadStream(copy.file);
      stream.on('close', () => void copy.release());
      const gzipped = copy.file.endsWith('.gz');
      return reply
        .type(gzipped ? 'application/gzip' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="${row.id}.jsonl${gzipped ? '.gz' : ''}"`)
        .send(stream);
    });
    const csvFormat = (query: CsvQuery) => (query.decimal === 'comma' ? CSV_DECIMAL_COMMA : CSV_DEFAULT);
    app.get(
      '/sessions/:id/export/angles.csv',
      { preHandler: clinician, schema: { tags, params: IdParams, querystring: CsvQuery, response: fileResponse('text/csv', 'angle series: t, pelvisDeg, trunkDeg, lumbarDeg') } },
      async (request, reply) => {
        const { row, header, lines } = await storedRecording(request.params.id);
        const angles = app.bridge.analysis.analyzeWithAngles(header, lines, legacySettings(header, row)).angles ?? EMPTY_ANGLES;
        return reply
          .type('text/csv')
          .header('content-disposition', `attachment; filename="${row.id}-angles.csv"`)
          .send(Readable.from(anglesCsv(angles, csvFormat(request.query))));
      },
    );
    app.get(
      '/sessions/:id/export/reps.csv',
      { preHandler: clinician, schema: { tags, params: IdParams, querystring: CsvQuery, response: fileResponse('text/csv', 'one row per rep, a 0/1 column per fault') } },
      async (request, reply) => {
        const row = await hub.sessionRow(request.params.id);
        return reply
          .type('text/csv')
          .header('content-disposition', `attachment; filename="${row.id}-reps.csv"`)
          .send(repsCsv(await archive.listReps(row.id), csvFormat(request.query)));
      },
    );
    // The CSV files' sidecar: whose session it is, when, its settings, and each column's unit.
    app.get('/sessions/:id/export/about.json', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(CsvSidecar) } }, async (request, reply) => {
      const session = await hub.sessionState(request.params.id);
      const patient = await hub.patient(session.patientId);
      return reply.header('content-disposition', `attachment; filename="${session.id}-about.json"`).send({
        patient: { id: patient.id, name: patient.name, clinicId: patient.clinicId },
        session: { id: session.id, label: session.label, startedAt: session.startedAt, endedAt: session.endedAt, status: session.status },
        settings: session.settings,
        pain: { before: session.painBefore ?? null, after: session.painAfter ?? null },
        files: { 'reps.csv': [...REP_CSV_COLUMNS], 'angles.csv': ['t', 'pelvisDeg', 'trunkDeg', 'lumbarDeg'] },
        units: CSV_COLUMN_UNITS,
      });
    });
    app.get('/sessions/:id/export/fhir.json', { preHandler: clinician, schema: { tags, params: IdParams, response: fileResponse('application/fhir+json', 'FHIR R4 transaction bundle') } }, async (request, reply) => {
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
    app.get(
      '/sessions/:id/export/report.pdf',
      { preHandler: clinician, schema: { tags, params: IdParams, querystring: ReportQuery, response: fileResponse('application/pdf', 'the session report') } },
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
            angles = app.bridge.analysis.analyzeWithAngles(header, lines, legacySettings(header, row)).angles ?? null;
          } finally {
            await copy.release();
          }
        }
        const patient = await hub.patient(session.patientId);
        const pdf = await writeReportPdf({ patient, session, reps, angles }, { language: request.query.lang ?? 'en', timeZone });
        return reply.type('application/pdf').header('content-disposition', `attachment; filename="${session.id}-report.pdf"`).send(pdf);
      },
    );
    app.get('/sessions/:id/export/session.mcap', { preHandler: clinician, schema: { tags, params: IdParams, response: fileResponse('application/octet-stream', 'MCAP file for Foxglove / Lichtblick') } }, async (request, reply) => {
      const { row, header, lines } = await storedRecording(request.params.id);
      const doc = app.bridge.analysis.analyzeWithAngles(header, lines, legacySettings(header, row));
      const dir = await mkdtemp(path.join(tmpdir(), 'hinge-mcap-'));
      const file = path.join(dir, `${row.id}.mcap`);
      try {
        await writeMcap(file, { header, lines, angles: doc.angles, reps: await archive.listReps(row.id), session: { id: row.id, settings: row.settings } });
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
  }
}
