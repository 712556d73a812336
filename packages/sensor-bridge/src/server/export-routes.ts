// Exports of a stored session (docs/websocket-protocol.md, "REST"): the recording as is, the analysis,
// the angle series (JSON, CSV), the reps (CSV), the CSV sidecar, FHIR, the report PDF and MCAP.
// Long recordings: heavy work takes one of a few export slots (more answer 503 with Retry-After) and
// runs as an export job (export-jobs.ts: streaming, in a worker thread of its own), which writes the
// angle series, CSV or MCAP into a temporary folder; the route streams that file, and the folder is
// removed when the response is done, so the bridge's memory does not grow with the recording.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AngleSeries, CsvQuery, IdParams, ReportQuery, SessionAnalysis } from '@hinge/protocol';
import type { SessionRow } from '../storage/store';
import { bridgeTimeZone } from '../report/local-time';
import { HingeError } from './errors';
import { FILE_DOWNLOAD_BYTES_PER_S, pacedStream } from './paced-stream';
import { ANGLE_CSV_COLUMNS, CSV_COLUMN_UNITS, CSV_DECIMAL_COMMA, CSV_DEFAULT, REP_CSV_COLUMNS, repsCsv } from './exports';
import type { ExportJob, RecordingRef } from './export-jobs';
import { sessionBundle } from './fhir';
import { CsvSidecar, ERROR_RESPONSES, fileResponse } from './route-schemas';

/** What an export job's work is given: the session, its recording, a private folder, and the signal that stops it. */
interface JobContext<Recording> {
  row: SessionRow;
  recording: Recording;
  dir: string;
  signal: AbortSignal;
}

/** What a route asks of an export job of the recording; the recording and settings are the job's. */
type RecordingJobSpec = Exclude<ExportJob, { kind: 'report-pdf' }> extends infer J ? (J extends ExportJob ? Omit<J, keyof RecordingRef> : never) : never;

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export async function exportRoutes(fastify: FastifyInstance, options: { clinician: (request: FastifyRequest) => Promise<void> }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { hub, archive, exportSlots } = app.bridge;
  const { clinician } = options;
  const tags = ['exports'];
  const ok = <T>(schema: T) => ({ 200: schema, ...ERROR_RESPONSES });

  /**
   * Runs an export's heavy work in an export slot, with the session's recording (this station's file,
   * or reassembled from the clinic database; null when it has none) and a private temporary folder. The
   * slot is given back when the work is done; the folder when the response has been sent (or the client
   * went away), which also stops the work.
   */
  async function inExportSlot<T>(request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply, work: (job: JobContext<RecordingRef | null>) => Promise<T>): Promise<T> {
    const row = await hub.sessionRow(request.params.id);
    const release = exportSlots.take();
    const abort = new AbortController();
    let dir: string | null = null;
    const cleanUp = () => {
      abort.abort();
      if (dir) void rm(dir, { recursive: true, force: true });
    };
    reply.raw.once('close', cleanUp);
    try {
      const copy = await archive.recording(row);
      try {
        dir = await mkdtemp(path.join(tmpdir(), 'hinge-export-'));
        if (abort.signal.aborted) cleanUp();
        return await work({ row, recording: copy ? { file: copy.file, rowSettings: row.settings } : null, dir, signal: abort.signal });
      } finally {
        await copy?.release();
      }
    } catch (error) {
      cleanUp();
      throw error;
    } finally {
      release();
    }
  }

  /** Export work that needs the recording: 404 HINGE_ERR_RECORDING_MISSING without one. */
  const exportJob = <T>(request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply, work: (job: JobContext<RecordingRef>) => Promise<T>) =>
    inExportSlot(request, reply, ({ recording, ...job }) => {
      if (!recording) throw new HingeError('HINGE_ERR_RECORDING_MISSING', 404);
      return work({ ...job, recording });
    });

  /** An export job of the session's recording (export-jobs.ts), its output in the job's folder. */
  const run = (job: JobContext<RecordingRef>, spec: RecordingJobSpec) => app.bridge.runExport({ ...spec, ...job.recording } as ExportJob, job.signal);

  app.get('/sessions/:id/analysis', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(SessionAnalysis) } }, async (request, reply) =>
    (await exportJob(request, reply, (job) => run(job, { kind: 'analysis' }))).doc!,
  );

  app.get('/sessions/:id/angles', { preHandler: clinician, schema: { tags, params: IdParams, response: ok(AngleSeries) } }, async (request, reply) => {
    const out = await exportJob(request, reply, async (job) => {
      const out = path.join(job.dir, 'angles.json');
      await run(job, { kind: 'angles-json', out });
      return out;
    });
    // Streamed from the file (the schema documents the shape; a stream bypasses serialisation).
    return reply.type('application/json; charset=utf-8').send(createReadStream(out) as unknown as AngleSeries);
  });

  app.get('/sessions/:id/export/recording', { preHandler: clinician, schema: { tags, params: IdParams, response: fileResponse(['application/gzip', 'application/x-ndjson'], 'the recording as stored (docs/recording-format.md): SESSION.jsonl.gz (live sessions record compressed) or SESSION.jsonl (older ones)') } }, async (request, reply) => {
    const row = await hub.sessionRow(request.params.id);
    const copy = await archive.recording(row);
    if (!copy) throw new HingeError('HINGE_ERR_RECORDING_MISSING', 404);
    const file = createReadStream(copy.file);
    file.on('close', () => void copy.release());
    const stream = pipeline(file, pacedStream(FILE_DOWNLOAD_BYTES_PER_S), () => undefined); // an error ends the response (fastify)
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
      const { row, out } = await exportJob(request, reply, async (job) => {
        const out = path.join(job.dir, 'angles.csv');
        await run(job, { kind: 'angles-csv', out, format: csvFormat(request.query) });
        return { row: job.row, out };
      });
      return reply.type('text/csv').header('content-disposition', `attachment; filename="${row.id}-angles.csv"`).send(createReadStream(out));
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
      files: { 'reps.csv': [...REP_CSV_COLUMNS], 'angles.csv': [...ANGLE_CSV_COLUMNS] },
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
      const timeZone = request.query.tz ?? bridgeTimeZone();
      if (!isTimeZone(timeZone)) throw new HingeError('HINGE_ERR_BAD_TIME_ZONE', 400, timeZone);
      const session = await hub.sessionState(request.params.id);
      const report = { patient: await hub.patient(session.patientId), session, reps: await archive.listReps(session.id) };
      const options = { language: request.query.lang ?? 'en', timeZone };
      // The PDF is written in the export job (off the event loop); without a recording the report says so.
      const pdf = await inExportSlot(request, reply, async (job) => {
        const out = path.join(job.dir, 'report.pdf');
        await app.bridge.runExport({ kind: 'report-pdf', out, recording: job.recording, report, options }, job.signal);
        return out;
      });
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${session.id}-report.pdf"`).send(createReadStream(pdf));
    },
  );

  app.get('/sessions/:id/export/session.mcap', { preHandler: clinician, schema: { tags, params: IdParams, response: fileResponse('application/octet-stream', 'MCAP file for Foxglove / Lichtblick') } }, async (request, reply) => {
    const { row, mcapFile } = await exportJob(request, reply, async (job) => {
      const mcapFile = path.join(job.dir, `${job.row.id}.mcap`);
      await run(job, { kind: 'mcap', out: mcapFile, reps: await archive.listReps(job.row.id), session: { id: job.row.id, settings: job.row.settings } });
      return { row: job.row, mcapFile };
    });
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${row.id}.mcap"`)
      .send(createReadStream(mcapFile));
  });
}
