// The clinic's PostgreSQL: every station's patients, sessions, sets, reps, pain reports and recordings
// (as ordered chunks of the station's file). Same schema and migrations as a station's SQLite
// (schema.ts), through Kysely's PostgreSQL dialect over `pg`. Writes are idempotent upserts keyed by
// global ids and chunk sequence numbers, so a push repeated after an outage or a crash changes
// nothing. Patients are one per clinic identifier: a second station's patient with an identifier the
// clinic already has becomes an alias of the first, and so do duplicates merged by hand.
import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Patient, RepRecord } from '@hinge/protocol';
import type { Archive, RecordingCopy, SessionFilter } from './archive';
import { MIGRATIONS, type HingeDatabase } from './schema';
import {
  fromPainReport,
  fromPatient,
  fromSessionRow,
  repColumns,
  setColumns,
  toPainReport,
  toPatient,
  toSessionRow,
  toSetRow,
  type PainReport,
  type SessionRow,
  type SetRow,
} from './store';

/** One change read from a station's outbox, with the row as it is now (null: gone locally). */
export type PushItem =
  | { kind: 'patient'; patient: Patient }
  | { kind: 'session'; session: SessionRow }
  | { kind: 'set'; sessionId: string; set: SetRow }
  | { kind: 'rep'; sessionId: string; rep: RepRecord }
  | { kind: 'reps-cleared'; sessionId: string; keepIndexes: number[] }
  | { kind: 'sets-cleared'; sessionId: string; keepIndexes: number[] }
  | { kind: 'pain'; report: PainReport };

export interface ChunkProgress {
  nextSeq: number;
  pushedBytes: number;
}

export interface Chunk {
  sessionId: string;
  seq: number;
  byteOffset: number;
  byteLength: number;
  encoding: 'gzip' | 'identity';
  data: Buffer;
}

export class ClinicDbError extends Error {
  readonly code = 'HINGE_ERR_CLINIC_DB';
}

/** Any number of processes may migrate at once; this lock lets one do it. */
const MIGRATION_LOCK_KEY = 7_160_016;
const CHUNKS_PER_READ = 64;

export interface ClinicDbOptions {
  /** Connections in the pool (default 4). */
  maxConnections?: number;
  /** Gives up connecting after this long (default 5000 ms), so an outage fails fast and the pusher retries. */
  connectTimeoutMs?: number;
  /** Gives up waiting for a query's answer after this long (default 30 000 ms). */
  queryTimeoutMs?: number;
  log?(message: string): void;
}

export class ClinicDb implements Archive {
  readonly db: Kysely<HingeDatabase>;
  private readonly pool: pg.Pool;

  /** `url`: a postgres:// connection string (TLS through `sslmode=require|verify-full`). Connects lazily. */
  constructor(url: string, options: ClinicDbOptions = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      keepAlive: true,
      application_name: 'hinge-bridge',
    });
    // A connection that dies (server restart, network gone) must not take the process with it: idle
    // ones report to the pool, busy ones to their client (the query or transaction on it fails and
    // is retried by the pusher), and a client between two queries of a transaction to this listener.
    const lost = (error: Error) => options.log?.(`clinic database connection lost: ${error.message}`);
    this.pool.on('error', lost);
    this.pool.on('connect', (client) => client.on('error', lost));
    this.db = new Kysely<HingeDatabase>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // ---- schema ---------------------------------------------------------------------------------

  async schemaVersion(): Promise<number> {
    const exists = await sql<{ t: string | null }>`SELECT to_regclass('schema_migrations')::text AS t`.execute(this.db);
    if (!exists.rows[0]?.t) return 0;
    const row = await this.db.selectFrom('schema_migrations').select(sql<number>`COALESCE(MAX(version), 0)`.as('v')).executeTakeFirst();
    return Number(row?.v ?? 0);
  }

  /** Brings the schema up to date (needs a role that may create tables). Returns the version. */
  async migrate(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`.execute(trx);
      const row = await trx.selectFrom('schema_migrations').select(sql<number>`COALESCE(MAX(version), 0)`.as('v')).executeTakeFirst();
      const current = Number(row?.v ?? 0);
      if (current > MIGRATIONS.length) throw new ClinicDbError(`clinic database schema ${current} is newer than this bridge knows (${MIGRATIONS.length}); update the bridge`);
      for (let version = current + 1; version <= MIGRATIONS.length; version++) {
        for (const step of MIGRATIONS[version - 1]!(trx, 'postgres')) await trx.executeQuery(step.compile());
        await trx.insertInto('schema_migrations').values({ version, applied_at: new Date().toISOString() }).execute();
      }
      return MIGRATIONS.length;
    });
  }

  /** Throws unless the schema is exactly the one this bridge knows. */
  async requireCurrentSchema(): Promise<void> {
    const version = await this.schemaVersion();
    if (version !== MIGRATIONS.length) {
      throw new ClinicDbError(`clinic database schema is version ${version}, this bridge needs ${MIGRATIONS.length}; run 'hinge db migrate'`);
    }
  }

  // ---- pushes from stations ----------------------------------------------------------------------

  /** Applies a station's changes in order, all or nothing. Repeating a batch changes nothing. */
  async apply(items: readonly PushItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const item of items) await applyItem(trx, item);
    });
  }

  async chunkProgress(sessionId: string): Promise<ChunkProgress> {
    const last = await this.db
      .selectFrom('recording_chunks')
      .select(['seq', 'byte_offset', 'byte_length'])
      .where('session_id', '=', sessionId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return last ? { nextSeq: Number(last.seq) + 1, pushedBytes: Number(last.byte_offset) + Number(last.byte_length) } : { nextSeq: 0, pushedBytes: 0 };
  }

  /** Stores a chunk once. A chunk already there must be the same bytes of the file, else the station's progress is stale. */
  async pushChunk(chunk: Chunk): Promise<void> {
    const inserted = await this.db
      .insertInto('recording_chunks')
      .values({
        session_id: chunk.sessionId,
        seq: chunk.seq,
        byte_offset: chunk.byteOffset,
        byte_length: chunk.byteLength,
        encoding: chunk.encoding,
        data: chunk.data,
        pushed_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.columns(['session_id', 'seq']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return;
    const existing = await this.db
      .selectFrom('recording_chunks')
      .select(['byte_offset', 'byte_length'])
      .where('session_id', '=', chunk.sessionId)
      .where('seq', '=', chunk.seq)
      .executeTakeFirst();
    if (!existing || Number(existing.byte_offset) !== chunk.byteOffset || Number(existing.byte_length) !== chunk.byteLength) {
      throw new ClinicDbError(`chunk ${chunk.seq} of session ${chunk.sessionId} differs from the one stored; resynchronising`);
    }
  }

  // ---- review (Archive) ------------------------------------------------------------------------

  async listPatients(): Promise<Patient[]> {
    return (await this.db.selectFrom('patients').selectAll().orderBy('name').orderBy('created_at').execute()).map(toPatient);
  }

  /** A patient by id, following merges (an alias answers with the patient it became). */
  async getPatient(id: string): Promise<Patient | null> {
    const canonical = await resolvePatientId(this.db, id);
    const row = await this.db.selectFrom('patients').selectAll().where('id', '=', canonical).executeTakeFirst();
    return row ? toPatient(row) : null;
  }

  async listSessions(filter: SessionFilter = {}): Promise<SessionRow[]> {
    let query = this.db.selectFrom('sessions').selectAll().orderBy('created_at').orderBy('id');
    if (filter.patientId !== undefined) query = query.where('patient_id', '=', await resolvePatientId(this.db, filter.patientId));
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toSessionRow);
  }

  async getSession(id: string): Promise<SessionRow | null> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSessionRow(row) : null;
  }

  async listSets(sessionId: string): Promise<SetRow[]> {
    return (await this.db.selectFrom('sets').selectAll().where('session_id', '=', sessionId).orderBy('idx').execute()).map(toSetRow);
  }

  async listReps(sessionId: string): Promise<RepRecord[]> {
    const rows = await this.db.selectFrom('reps').select('report_json').where('session_id', '=', sessionId).orderBy('idx').execute();
    return rows.map((r) => JSON.parse(r.report_json) as RepRecord);
  }

  async listPainReports(sessionId: string): Promise<PainReport[]> {
    const rows = await this.db.selectFrom('pain_reports').selectAll().where('session_id', '=', sessionId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPainReport);
  }

  /** Streams the chunks, in order, into the session's recording as the station wrote it. */
  async writeRecording(sessionId: string, file: string): Promise<number> {
    await writeFile(file, new Uint8Array(0));
    let nextSeq = 0;
    let bytes = 0;
    for (;;) {
      const chunks = await this.db
        .selectFrom('recording_chunks')
        .select(['seq', 'byte_offset', 'encoding', 'data'])
        .where('session_id', '=', sessionId)
        .where('seq', '>=', nextSeq)
        .orderBy('seq')
        .limit(CHUNKS_PER_READ)
        .execute();
      for (const c of chunks) {
        if (Number(c.seq) !== nextSeq || Number(c.byte_offset) !== bytes) throw new ClinicDbError(`recording of session ${sessionId} has a gap at chunk ${nextSeq}`);
        const data = c.encoding === 'gzip' ? gunzipSync(c.data) : Buffer.from(c.data);
        await appendFile(file, data);
        bytes += data.length;
        nextSeq++;
      }
      if (chunks.length < CHUNKS_PER_READ) return bytes;
    }
  }

  async recording(row: SessionRow): Promise<RecordingCopy | null> {
    if (!row.recordingPath) return null;
    const dir = await mkdtemp(path.join(tmpdir(), 'hinge-clinic-'));
    const file = path.join(dir, path.basename(row.recordingPath));
    const release = () => rm(dir, { recursive: true, force: true });
    try {
      const bytes = await this.writeRecording(row.id, file);
      if (bytes > 0) return { file, release };
    } catch (error) {
      await release();
      throw error;
    }
    await release();
    return null;
  }

  // ---- merging duplicates ------------------------------------------------------------------------

  /** `duplicateId` becomes `intoId`: its sessions and pain reports move, its id stays an alias. */
  async mergePatient(duplicateId: string, intoId: string): Promise<Patient> {
    return this.db.transaction().execute(async (trx) => {
      const duplicate = await trx.selectFrom('patients').selectAll().where('id', '=', duplicateId).forUpdate().executeTakeFirst();
      const into = await trx.selectFrom('patients').selectAll().where('id', '=', intoId).forUpdate().executeTakeFirst();
      if (!duplicate || !into || duplicateId === intoId) throw new ClinicDbError(`cannot merge ${duplicateId} into ${intoId}: both must be distinct existing patients`);
      await trx.updateTable('sessions').set({ patient_id: intoId }).where('patient_id', '=', duplicateId).execute();
      await trx.updateTable('pain_reports').set({ patient_id: intoId }).where('patient_id', '=', duplicateId).execute();
      await trx.updateTable('patient_aliases').set({ patient_id: intoId }).where('patient_id', '=', duplicateId).execute();
      await trx.deleteFrom('patients').where('id', '=', duplicateId).execute();
      await trx.insertInto('patient_aliases').values({ alias_id: duplicateId, patient_id: intoId, merged_at: new Date().toISOString() }).execute();
      const notes = [into.notes, duplicate.notes].filter((n) => n.trim() !== '').join('\n');
      const merged = await trx
        .updateTable('patients')
        .set({ notes, clinic_id: into.clinic_id ?? duplicate.clinic_id })
        .where('id', '=', intoId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPatient(merged);
    });
  }
}

type Db = Kysely<HingeDatabase> | Transaction<HingeDatabase>;

async function resolvePatientId(db: Db, id: string): Promise<string> {
  const alias = await db.selectFrom('patient_aliases').select('patient_id').where('alias_id', '=', id).executeTakeFirst();
  return alias?.patient_id ?? id;
}

async function applyItem(trx: Transaction<HingeDatabase>, item: PushItem): Promise<void> {
  switch (item.kind) {
    case 'patient':
      return applyPatient(trx, item.patient);
    case 'session': {
      const values = { ...fromSessionRow(item.session), patient_id: await resolvePatientId(trx, item.session.patientId) };
      const { id: _id, created_at: _created, ...changes } = values;
      await trx.insertInto('sessions').values(values).onConflict((oc) => oc.column('id').doUpdateSet(changes)).execute();
      return;
    }
    case 'set': {
      const values = setColumns(item.sessionId, item.set);
      const { session_id: _s, idx: _i, ...changes } = values;
      await trx.insertInto('sets').values(values).onConflict((oc) => oc.columns(['session_id', 'idx']).doUpdateSet(changes)).execute();
      return;
    }
    case 'rep': {
      const values = repColumns(item.sessionId, item.rep);
      const { session_id: _s, idx: _i, ...changes } = values;
      await trx.insertInto('reps').values(values).onConflict((oc) => oc.columns(['session_id', 'idx']).doUpdateSet(changes)).execute();
      return;
    }
    case 'reps-cleared':
    case 'sets-cleared': {
      let query = trx.deleteFrom(item.kind === 'reps-cleared' ? 'reps' : 'sets').where('session_id', '=', item.sessionId);
      if (item.keepIndexes.length > 0) query = query.where('idx', 'not in', item.keepIndexes);
      await query.execute();
      return;
    }
    case 'pain': {
      const values = { ...fromPainReport(item.report), patient_id: await resolvePatientId(trx, item.report.patientId) };
      const { id: _id, ...changes } = values;
      await trx.insertInto('pain_reports').values(values).onConflict((oc) => oc.column('id').doUpdateSet(changes)).execute();
      return;
    }
  }
}

/**
 * A station's patient: new, an update, or another station's patient under the same clinic identifier
 * (then this id becomes an alias of the one the clinic has). Concurrent stations meet at the unique
 * clinic-identifier index: the second insert waits for the first and then does nothing.
 */
async function applyPatient(trx: Transaction<HingeDatabase>, patient: Patient): Promise<void> {
  const merged = await trx.selectFrom('patient_aliases').select('patient_id').where('alias_id', '=', patient.id).executeTakeFirst();
  if (merged) return;
  const values = fromPatient(patient);
  await trx.insertInto('patients').values(values).onConflict((oc) => oc.doNothing()).execute();
  const own = await trx.selectFrom('patients').select('clinic_id').where('id', '=', patient.id).executeTakeFirst();
  if (own) {
    const clinicIdTaken =
      values.clinic_id !== null &&
      own.clinic_id !== values.clinic_id &&
      (await trx.selectFrom('patients').select('id').where('clinic_id', '=', values.clinic_id).executeTakeFirst()) !== undefined;
    await trx
      .updateTable('patients')
      .set({ name: values.name, notes: values.notes, ...(clinicIdTaken ? {} : { clinic_id: values.clinic_id }) })
      .where('id', '=', patient.id)
      .execute();
    return;
  }
  const holder = values.clinic_id === null ? undefined : await trx.selectFrom('patients').select('id').where('clinic_id', '=', values.clinic_id).executeTakeFirst();
  if (!holder) throw new ClinicDbError(`patient ${patient.id} could not be stored`);
  await trx
    .insertInto('patient_aliases')
    .values({ alias_id: patient.id, patient_id: holder.id, merged_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('alias_id').doNothing())
    .execute();
}
