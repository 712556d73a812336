// REST API (docs/websocket-protocol.md, "REST"): patients, sessions and their lifecycle, sets,
// reps; the exports are export-routes.ts. Every body, query and parameter is validated against the shared schemas.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  Annotation,
  AnnotationBody,
  CreatePatientBody,
  CreateSessionBody,
  IMPORT_BODY_LIMIT_BYTES,
  ImportSessionBody,
  DisplayLink,
  Health,
  IdParams,
  MergePatientBody,
  PainReportBody,
  PatientPatch,
  Patient,
  RecordingEntry,
  RepRecord,
  SessionDetail,
  SessionState,
  SessionsQuery,
  SetRecord,
  SettingsPatch,
  SourceSpec,
  WS_PROTOCOL_VERSION,
  type ClinicHealth,
} from '@hinge/protocol';
import { accessOf, isLoopbackHost, type Access } from './auth';
import { HingeError } from './errors';
import { exportRoutes } from './export-routes';
import { ControlRateLimit } from './rate-limit';
import { sensorRoutes } from './sensor-routes';
import { ERROR_RESPONSES } from './route-schemas';
import type { ReplayLibrary } from '../sources/factory';

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

/** Recordings a replay may play, by name: the single files configured, then those in the replay folders. */
export function listReplayFiles(library: ReplayLibrary): RecordingEntry[] {
  const out: RecordingEntry[] = [];
  for (const file of library.files) {
    const name = path.basename(file);
    if (existsSync(file) && !out.some((e) => e.name === name)) out.push({ name, bytes: statSync(file).size });
  }
  for (const dir of library.dirs) {
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
  await app.register(exportRoutes, { clinician });
  app.get('/recordings', { preHandler: clinician, schema: { tags: ['sessions'], response: ok(Type.Array(RecordingEntry)) } }, async () =>
    listReplayFiles(app.bridge.replay),
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
    app.post(
      '/sessions/import',
      {
        preHandler: clinician,
        bodyLimit: IMPORT_BODY_LIMIT_BYTES,
        schema: { tags, summary: 'vendor exports of both sensors as a finished session to review (docs/import.md); files as text, 32 MiB in all', body: ImportSessionBody, response: { 201: SessionState, ...ERROR_RESPONSES } },
      },
      async (request, reply) => {
        const row = await hub.importSession(request.body);
        return reply.code(201).send(await hub.sessionState(row.id));
      },
    );
    app.get('/sessions/:id', { preHandler: readSession, schema: { tags, params: IdParams, response: ok(SessionDetail) } }, async (request) => ({
      ...(await hub.sessionState(request.params.id)),
      reps: await archive.listReps(request.params.id),
    }));
    app.put('/sessions/:id/source', { preHandler: clinician, schema: { tags, params: IdParams, body: SourceSpec, response: ok(SessionState) } }, async (request) =>
      (await hub.attachSource(request.params.id, request.body)).state(),
    );
    // Control routes write a line into the recording: rate-limited per session (rate-limit.ts), like the WebSocket's per connection.
    const rateLimit = new ControlRateLimit();
    const controlLimited = async (request: FastifyRequest) => {
      await clinician(request);
      rateLimit.take(`rest-${(request.params as IdParams).id}`);
    };
    const control = (route: string, summary: string, act: (id: string) => void | Promise<void>) =>
      app.post(route, { preHandler: controlLimited, schema: { tags, summary, params: IdParams, response: ok(SessionState) } }, async (request) => {
        await act(request.params.id);
        return hub.sessionState(request.params.id);
      });
    control('/sessions/:id/calibrate', 'mark standing still now as the neutral', (id) => hub.liveSession(id).calibrate());
    control('/sessions/:id/sets/start', 'begin the next set', (id) => hub.liveSession(id).startSet());
    control('/sessions/:id/sets/stop', 'end the running set', (id) => hub.liveSession(id).stopSet());
    control('/sessions/:id/stop', 'end the session', (id) => hub.liveSession(id).stop());
    app.patch('/sessions/:id/settings', { preHandler: controlLimited, schema: { tags, params: IdParams, body: SettingsPatch, response: ok(SessionState) } }, async (request) => {
      hub.liveSession(request.params.id).updateSettings(request.body);
      return hub.sessionState(request.params.id);
    });
    app.post(
      '/sessions/:id/annotations',
      { preHandler: controlLimited, schema: { tags, summary: 'a note at the current time of a running session (an `annotation` line)', params: IdParams, body: AnnotationBody, response: { 201: Annotation, ...ERROR_RESPONSES } } },
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
}
