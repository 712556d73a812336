// The one schema of the bridge's databases: a station's embedded SQLite and the clinic's PostgreSQL
// hold the same tables, built by the same numbered migrations (Kysely's schema builder compiles each
// for its dialect). Ids are global (UUIDs; older stations' `p_...`/`s_...` ids stay valid), so rows
// from many stations meet in one clinic database without colliding. Times are ISO-8601 text and
// structured values JSON text in both databases, so a row reads the same from either.
import { sql, type Compilable, type Kysely, type RawBuilder } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export interface PatientsTable {
  id: string;
  name: string;
  notes: string;
  /** The clinic's own identifier (record number); the same patient at every station. */
  clinic_id: string | null;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  patient_id: string;
  label: string;
  exercise: string;
  status: string;
  settings_json: string;
  source_json: string | null;
  recording_path: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  last_t: number;
  calibration_json: string | null;
  summary_json: string | null;
  warnings_json: string;
  /** The station (`hinge serve --station NAME`) that recorded the session; null for a lone bridge. */
  station: string | null;
}

export interface SetsTable {
  session_id: string;
  idx: number;
  start_t: number;
  end_t: number | null;
  summary_json: string | null;
}

export interface RepsTable {
  session_id: string;
  idx: number;
  set_idx: number | null;
  start_t: number;
  end_t: number;
  /** NOT NULL in the schema (as shipped); a rep without a lumbar angle is refused by the database. */
  peak_lumbar_deg: number | null;
  faults_json: string;
  report_json: string;
}

export interface PainReportsTable {
  id: string;
  patient_id: string;
  session_id: string | null;
  /** 'before' | 'during' | 'after' the session. */
  phase: string;
  /** Numeric rating scale, 0 (no pain) to 10 (worst imaginable). */
  score_nrs: number;
  note: string;
  created_at: string;
}

export interface SettingsTable {
  key: string;
  value_json: string;
}

/** A recording, in the order it was written: `byte_offset`/`byte_length` count bytes of the station's file. */
export interface RecordingChunksTable {
  session_id: string;
  seq: number;
  byte_offset: number;
  byte_length: number;
  /** 'gzip' (the chunk was compressed for the push) or 'identity' (the file itself is compressed). */
  encoding: string;
  data: Uint8Array;
  pushed_at: string;
}

/** A patient id that was merged into another (offline duplicates); sessions pushed later follow it. */
export interface PatientAliasesTable {
  alias_id: string;
  patient_id: string;
  merged_at: string;
}

/** Station side: rows changed since their last push to the clinic database (keys only; see outbox.ts). */
export interface OutboxTable {
  kind: string;
  key: string;
  seq: number;
  version: number;
}

/** Station side: how much of each recording the clinic database already holds. */
export interface RecordingPushTable {
  session_id: string;
  next_seq: number;
  pushed_bytes: number;
  complete: number;
}

export interface SchemaMigrationsTable {
  version: number;
  applied_at: string;
}

export interface HingeDatabase {
  patients: PatientsTable;
  sessions: SessionsTable;
  sets: SetsTable;
  reps: RepsTable;
  pain_reports: PainReportsTable;
  settings: SettingsTable;
  recording_chunks: RecordingChunksTable;
  patient_aliases: PatientAliasesTable;
  outbox: OutboxTable;
  recording_push: RecordingPushTable;
  schema_migrations: SchemaMigrationsTable;
}

/** Migration N (index N-1) turns schema version N-1 into N. Append only; never change a shipped one. */
export type Migration = (db: Kysely<HingeDatabase>, dialect: DialectName) => Compilable[];

/** Puts every row of a table in the outbox, numbered from `seqBase` in the given order. */
function queueExisting(
  db: Kysely<HingeDatabase>,
  kind: string,
  table: 'patients' | 'sessions' | 'sets' | 'reps',
  key: RawBuilder<string>,
  seqBase: number,
  order: RawBuilder<unknown>,
): Compilable {
  return db
    .insertInto('outbox')
    .columns(['kind', 'key', 'seq', 'version'])
    .expression(db.selectFrom(table).select([sql.lit(kind).as('kind'), key.as('key'), sql<number>`${sql.lit(seqBase)} + row_number() over (order by ${order})`.as('seq'), sql.lit(1).as('version')]));
}

/** Column types that differ: PostgreSQL's `real` is single precision, SQLite's `real` is double. */
const floatType = (d: DialectName) => (d === 'postgres' ? 'double precision' : 'real');
const bytesType = (d: DialectName) => (d === 'postgres' ? 'bytea' : 'blob');

export const MIGRATIONS: readonly Migration[] = [
  // 1: the lone bridge's schema (shipped as SQL text; the same tables).
  (db, d) => [
    db.schema
      .createTable('patients')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (c) => c.notNull()),
    db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('exercise', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('created','live','stopped','interrupted')`))
      .addColumn('settings_json', 'text', (c) => c.notNull())
      .addColumn('source_json', 'text')
      .addColumn('recording_path', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('last_t', floatType(d), (c) => c.notNull().defaultTo(0))
      .addColumn('calibration_json', 'text')
      .addColumn('summary_json', 'text')
      .addColumn('warnings_json', 'text', (c) => c.notNull().defaultTo('[]')),
    db.schema.createIndex('sessions_by_patient').on('sessions').columns(['patient_id', 'created_at']),
    db.schema
      .createTable('sets')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('start_t', floatType(d), (c) => c.notNull())
      .addColumn('end_t', floatType(d))
      .addColumn('summary_json', 'text')
      .addPrimaryKeyConstraint('sets_pk', ['session_id', 'idx']),
    db.schema
      .createTable('reps')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('set_idx', 'integer')
      .addColumn('start_t', floatType(d), (c) => c.notNull())
      .addColumn('end_t', floatType(d), (c) => c.notNull())
      .addColumn('peak_lumbar_deg', floatType(d), (c) => c.notNull())
      .addColumn('faults_json', 'text', (c) => c.notNull())
      .addColumn('report_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('reps_pk', ['session_id', 'idx']),
    db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value_json', 'text', (c) => c.notNull()),
  ],
  // 2: clinic-wide. Clinic identifiers, stations, pain reports, recordings as chunks, merged patients,
  // and the station's outbox (everything already stored is queued for its first push).
  (db, d) => [
    db.schema.alterTable('patients').addColumn('clinic_id', 'text'),
    db.schema.createIndex('patients_by_clinic_id').on('patients').column('clinic_id').unique().where(sql.ref('clinic_id'), 'is not', null),
    db.schema.alterTable('sessions').addColumn('station', 'text'),
    db.schema
      .createTable('pain_reports')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('session_id', 'text', (c) => c.references('sessions.id'))
      .addColumn('phase', 'text', (c) => c.notNull().check(sql`phase IN ('before','during','after')`))
      .addColumn('score_nrs', 'integer', (c) => c.notNull().check(sql`score_nrs BETWEEN 0 AND 10`))
      .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (c) => c.notNull()),
    db.schema.createIndex('pain_reports_by_session').on('pain_reports').columns(['session_id', 'created_at']),
    db.schema
      .createTable('recording_chunks')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('byte_offset', 'bigint', (c) => c.notNull())
      .addColumn('byte_length', 'integer', (c) => c.notNull())
      .addColumn('encoding', 'text', (c) => c.notNull())
      .addColumn('data', bytesType(d), (c) => c.notNull())
      .addColumn('pushed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('recording_chunks_pk', ['session_id', 'seq']),
    db.schema
      .createTable('patient_aliases')
      .addColumn('alias_id', 'text', (c) => c.primaryKey())
      .addColumn('patient_id', 'text', (c) => c.notNull())
      .addColumn('merged_at', 'text', (c) => c.notNull()),
    db.schema
      .createTable('outbox')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addPrimaryKeyConstraint('outbox_pk', ['kind', 'key']),
    db.schema.createIndex('outbox_by_seq').on('outbox').column('seq'),
    db.schema
      .createTable('recording_push')
      .addColumn('session_id', 'text', (c) => c.primaryKey())
      .addColumn('next_seq', 'integer', (c) => c.notNull())
      .addColumn('pushed_bytes', 'bigint', (c) => c.notNull())
      .addColumn('complete', 'integer', (c) => c.notNull().defaultTo(0)),
    // Rows stored before this version wait for their first push: patients, then sessions, sets, reps.
    queueExisting(db, 'patient', 'patients', sql`id`, 0, sql`created_at, id`),
    queueExisting(db, 'session', 'sessions', sql`id`, 1e9, sql`created_at, id`),
    queueExisting(db, 'set', 'sets', sql`session_id || ':' || idx`, 2e9, sql`session_id, idx`),
    queueExisting(db, 'rep', 'reps', sql`session_id || ':' || idx`, 3e9, sql`session_id, idx`),
  ],
];
