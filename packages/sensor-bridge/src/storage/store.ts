// The bridge's embedded database (SQLite through better-sqlite3): patients, sessions, sets, reps, pain
// reports and settings. Recordings are files in the data directory that session rows point to.
// Queries are built with Kysely over the shared schema (schema.ts) and run synchronously here, so the
// live path never waits on a promise; the clinic's PostgreSQL runs the same queries asynchronously
// (clinic-db.ts). Every change to a row the clinic shares is also noted in the outbox (same
// transaction), which the pusher drains when a clinic database is configured (pusher.ts).
import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
  type Compilable,
  type CompiledQuery,
} from 'kysely';
import type {
  Patient,
  PatientSettings,
  RepRecord,
  SessionStatus,
  SessionSummary,
  SetSummary,
  SourceSpec,
} from '@hinge/protocol';
import { MIGRATIONS, type HingeDatabase, type PatientsTable, type PainReportsTable, type SessionsTable } from './schema';

export { MIGRATIONS } from './schema';

export interface SessionRow {
  id: string;
  patientId: string;
  label: string;
  exercise: string;
  status: SessionStatus;
  settings: PatientSettings;
  source: SourceSpec | null;
  /** Relative to the data directory (storage/archive.ts resolveRecordingPath); absolute in databases from before. */
  recordingPath: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  lastT: number;
  calibration: { start: number; end: number } | null;
  summary: SessionSummary | null;
  warnings: string[];
  /** Where it was recorded (`--station`); null for a lone bridge. */
  station: string | null;
}

export interface SetRow {
  index: number;
  start: number;
  end: number | null;
  summary: SetSummary | null;
}

export type PainPhase = 'before' | 'during' | 'after';

export interface PainReport {
  id: string;
  patientId: string;
  sessionId: string | null;
  phase: PainPhase;
  /** Numeric rating scale 0-10. */
  scoreNrs: number;
  note: string;
  createdAt: string;
}

/** What the outbox names: a row kind and its key (`sessionId:idx` for sets and reps). */
export type OutboxKind = 'patient' | 'session' | 'set' | 'rep' | 'reps-cleared' | 'sets-cleared' | 'pain';

export interface OutboxEntry {
  kind: OutboxKind;
  key: string;
  seq: number;
  version: number;
}

const parseOrNull = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));
const jsonOrNull = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

export function toSessionRow(r: SessionsTable): SessionRow {
  return {
    id: r.id,
    patientId: r.patient_id,
    label: r.label,
    exercise: r.exercise,
    status: r.status as SessionStatus,
    settings: JSON.parse(r.settings_json) as PatientSettings,
    source: parseOrNull<SourceSpec>(r.source_json),
    recordingPath: r.recording_path,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    lastT: Number(r.last_t),
    calibration: parseOrNull(r.calibration_json),
    summary: parseOrNull<SessionSummary>(r.summary_json),
    warnings: JSON.parse(r.warnings_json) as string[],
    station: r.station ?? null,
  };
}

export function fromSessionRow(s: SessionRow): SessionsTable {
  return {
    id: s.id,
    patient_id: s.patientId,
    label: s.label,
    exercise: s.exercise,
    status: s.status,
    settings_json: JSON.stringify(s.settings),
    source_json: jsonOrNull(s.source),
    recording_path: s.recordingPath,
    created_at: s.createdAt,
    started_at: s.startedAt,
    ended_at: s.endedAt,
    last_t: s.lastT,
    calibration_json: jsonOrNull(s.calibration),
    summary_json: jsonOrNull(s.summary),
    warnings_json: JSON.stringify(s.warnings),
    station: s.station,
  };
}

export const toPatient = (r: PatientsTable): Patient => ({ id: r.id, name: r.name, notes: r.notes, clinicId: r.clinic_id, createdAt: r.created_at });
export const fromPatient = (p: Patient): PatientsTable => ({ id: p.id, name: p.name, notes: p.notes, clinic_id: p.clinicId ?? null, created_at: p.createdAt });

export const toPainReport = (r: PainReportsTable): PainReport => ({
  id: r.id,
  patientId: r.patient_id,
  sessionId: r.session_id,
  phase: r.phase as PainPhase,
  scoreNrs: Number(r.score_nrs),
  note: r.note,
  createdAt: r.created_at,
});
export const fromPainReport = (p: PainReport): PainReportsTable => ({
  id: p.id,
  patient_id: p.patientId,
  session_id: p.sessionId,
  phase: p.phase,
  score_nrs: p.scoreNrs,
  note: p.note,
  created_at: p.createdAt,
});

export const toSetRow = (r: { idx: number; start_t: number; end_t: number | null; summary_json: string | null }): SetRow => ({
  index: Number(r.idx),
  start: Number(r.start_t),
  end: r.end_t === null ? null : Number(r.end_t),
  summary: parseOrNull<SetSummary>(r.summary_json),
});

export const repColumns = (sessionId: string, rep: RepRecord) => ({
  session_id: sessionId,
  idx: rep.index,
  set_idx: rep.setIndex,
  start_t: rep.start,
  end_t: rep.end,
  peak_lumbar_deg: rep.peakLumbarDeg,
  faults_json: JSON.stringify(rep.faults),
  report_json: JSON.stringify(rep),
});

export const setColumns = (sessionId: string, set: SetRow) => ({
  session_id: sessionId,
  idx: set.index,
  start_t: set.start,
  end_t: set.end,
  summary_json: jsonOrNull(set.summary),
});

/** Kysely that only builds SQLite queries; the Store runs them itself, synchronously. */
function sqliteQueryBuilder(): Kysely<HingeDatabase> {
  return new Kysely<HingeDatabase>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}

/** SQLite has no booleans and better-sqlite3 no `undefined`; Kysely hands over plain values. */
const sqliteParams = (q: CompiledQuery): unknown[] => q.parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

export class StoreError extends Error {
  readonly code = 'HINGE_ERR_STORE';
}

export class Store {
  readonly db: Database.Database;
  /** The query builder over the shared schema (compile only). */
  readonly q: Kysely<HingeDatabase>;
  private readonly statements = new Map<string, Database.Statement>();

  /** Opens (creating if needed) the database file and brings its schema up to date. ':memory:' for tests. */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a committed transaction survives a process crash; only power loss may lose the last ones.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Another process (`hinge db push` beside a running bridge) may hold the write lock for a moment.
    this.db.pragma('busy_timeout = 5000');
    this.q = sqliteQueryBuilder();
    this.migrate();
  }

  // ---- running queries ------------------------------------------------------------------------

  private statement(query: CompiledQuery): Database.Statement {
    let statement = this.statements.get(query.sql);
    if (!statement) {
      statement = this.db.prepare(query.sql);
      this.statements.set(query.sql, statement);
    }
    return statement;
  }

  /** Runs a query that returns nothing. */
  run(query: Compilable): void {
    const compiled = query.compile();
    this.statement(compiled).run(...sqliteParams(compiled));
  }

  all<R>(query: Compilable<R>): R[] {
    const compiled = query.compile();
    return this.statement(compiled).all(...sqliteParams(compiled)) as R[];
  }

  first<R>(query: Compilable<R>): R | null {
    const compiled = query.compile();
    return (this.statement(compiled).get(...sqliteParams(compiled)) as R | undefined) ?? null;
  }

  // ---- schema ---------------------------------------------------------------------------------

  get schemaVersion(): number {
    return this.first(this.q.selectFrom('schema_migrations').select(sql<number>`COALESCE(MAX(version), 0)`.as('v')))?.v ?? 0;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new StoreError(`database schema version ${current} is newer than this bridge knows (${MIGRATIONS.length}); update the bridge`);
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      const migration = MIGRATIONS[version - 1]!;
      this.db.transaction(() => {
        for (const step of migration(this.q, 'sqlite')) {
          const compiled = step.compile();
          this.db.prepare(compiled.sql).run(...sqliteParams(compiled));
        }
        this.run(this.q.insertInto('schema_migrations').values({ version, applied_at: new Date().toISOString() }));
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  // ---- outbox: what the clinic database has not seen yet ---------------------------------------

  /** Notes a changed row. A row already waiting keeps its place (so a patient stays ahead of its sessions) and gets a new version. */
  private enqueue(kind: OutboxKind, key: string): void {
    this.run(
      this.q
        .insertInto('outbox')
        .values({ kind, key, seq: sql<number>`(SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox)`, version: 1 })
        .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet({ version: sql<number>`outbox.version + 1` })),
    );
  }

  /** The oldest waiting changes, in the order they were first made. */
  outboxBatch(limit: number): OutboxEntry[] {
    return this.all(this.q.selectFrom('outbox').selectAll().orderBy('seq').limit(limit)).map((e) => ({ ...e, kind: e.kind as OutboxKind }));
  }

  /** Forgets pushed entries, unless the row changed again meanwhile (a newer version stays queued). */
  acknowledge(entries: readonly OutboxEntry[]): void {
    this.transaction(() => {
      for (const e of entries) {
        this.run(this.q.deleteFrom('outbox').where('kind', '=', e.kind).where('key', '=', e.key).where('version', '=', e.version));
      }
    });
  }

  /** Sessions whose rows the clinic has: from now on their recordings are pushed too. */
  startRecordingPush(sessionIds: readonly string[]): void {
    this.transaction(() => {
      for (const session_id of sessionIds) {
        this.run(this.q.insertInto('recording_push').values({ session_id, next_seq: 0, pushed_bytes: 0, complete: 0 }).onConflict((oc) => oc.doNothing()));
      }
    });
  }

  /** Recordings not yet wholly in the clinic database, with how far they got. */
  recordingsToPush(): { session: SessionRow; nextSeq: number; pushedBytes: number }[] {
    const rows = this.all(
      this.q
        .selectFrom('recording_push')
        .innerJoin('sessions', 'sessions.id', 'recording_push.session_id')
        .selectAll('sessions')
        .select(['recording_push.next_seq', 'recording_push.pushed_bytes'])
        .where('recording_push.complete', '=', 0)
        .orderBy('sessions.created_at'),
    );
    return rows.map((r) => ({ session: toSessionRow(r), nextSeq: Number(r.next_seq), pushedBytes: Number(r.pushed_bytes) }));
  }

  setRecordingPush(sessionId: string, progress: { nextSeq: number; pushedBytes: number; complete: boolean }): void {
    this.run(
      this.q
        .updateTable('recording_push')
        .set({ next_seq: progress.nextSeq, pushed_bytes: progress.pushedBytes, complete: progress.complete ? 1 : 0 })
        .where('session_id', '=', sessionId),
    );
  }

  get outboxSize(): number {
    return Number(this.first(this.q.selectFrom('outbox').select(sql<number>`count(*)`.as('n')))?.n ?? 0);
  }

  // ---- patients -------------------------------------------------------------------------------

  createPatient(patient: Patient): Patient {
    this.transaction(() => {
      this.run(this.q.insertInto('patients').values(fromPatient(patient)));
      this.enqueue('patient', patient.id);
    });
    return patient;
  }

  /** Name, clinic identifier and notes of an existing patient (queued for the clinic database like a new one). */
  updatePatient(patient: Patient): void {
    this.transaction(() => {
      const { id: _id, created_at: _created, ...changes } = fromPatient(patient);
      this.run(this.q.updateTable('patients').set(changes).where('id', '=', patient.id));
      this.enqueue('patient', patient.id);
    });
  }

  listPatients(): Patient[] {
    return this.all(this.q.selectFrom('patients').selectAll().orderBy('name').orderBy('created_at')).map(toPatient);
  }

  getPatient(id: string): Patient | null {
    const row = this.first(this.q.selectFrom('patients').selectAll().where('id', '=', id));
    return row ? toPatient(row) : null;
  }

  findPatientByClinicId(clinicId: string): Patient | null {
    const row = this.first(this.q.selectFrom('patients').selectAll().where('clinic_id', '=', clinicId));
    return row ? toPatient(row) : null;
  }

  // ---- sessions -------------------------------------------------------------------------------

  createSession(s: SessionRow): void {
    this.transaction(() => {
      this.run(this.q.insertInto('sessions').values(fromSessionRow(s)));
      this.enqueue('session', s.id);
    });
  }

  updateSession(s: SessionRow): void {
    const { id: _id, patient_id: _patient, created_at: _created, ...changes } = fromSessionRow(s);
    this.transaction(() => {
      this.run(this.q.updateTable('sessions').set(changes).where('id', '=', s.id));
      this.enqueue('session', s.id);
    });
  }

  getSession(id: string): SessionRow | null {
    const row = this.first(this.q.selectFrom('sessions').selectAll().where('id', '=', id));
    return row ? toSessionRow(row) : null;
  }

  listSessions(filter: { patientId?: string; status?: SessionStatus } = {}): SessionRow[] {
    let query = this.q.selectFrom('sessions').selectAll().orderBy('created_at').orderBy('id');
    if (filter.patientId !== undefined) query = query.where('patient_id', '=', filter.patientId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return this.all(query).map(toSessionRow);
  }

  // ---- sets and reps --------------------------------------------------------------------------

  upsertSet(sessionId: string, set: SetRow): void {
    const values = setColumns(sessionId, set);
    this.transaction(() => {
      this.run(
        this.q
          .insertInto('sets')
          .values(values)
          .onConflict((oc) => oc.columns(['session_id', 'idx']).doUpdateSet({ start_t: values.start_t, end_t: values.end_t, summary_json: values.summary_json })),
      );
      this.enqueue('set', `${sessionId}:${set.index}`);
    });
  }

  listSets(sessionId: string): SetRow[] {
    return this.all(this.q.selectFrom('sets').select(['idx', 'start_t', 'end_t', 'summary_json']).where('session_id', '=', sessionId).orderBy('idx')).map(toSetRow);
  }

  getSet(sessionId: string, index: number): SetRow | null {
    const row = this.first(this.q.selectFrom('sets').selectAll().where('session_id', '=', sessionId).where('idx', '=', index));
    return row ? toSetRow(row) : null;
  }

  /** Stores a rep; the same index again replaces it (re-analysis after a crash). */
  upsertRep(sessionId: string, rep: RepRecord): void {
    const { session_id: _s, idx: _i, ...changes } = repColumns(sessionId, rep);
    this.transaction(() => {
      this.run(this.q.insertInto('reps').values(repColumns(sessionId, rep)).onConflict((oc) => oc.columns(['session_id', 'idx']).doUpdateSet(changes)));
      this.enqueue('rep', `${sessionId}:${rep.index}`);
    });
  }

  listReps(sessionId: string): RepRecord[] {
    return this.all(this.q.selectFrom('reps').select('report_json').where('session_id', '=', sessionId).orderBy('idx')).map(
      (r) => JSON.parse(r.report_json) as RepRecord,
    );
  }

  getRep(sessionId: string, index: number): RepRecord | null {
    const row = this.first(this.q.selectFrom('reps').select('report_json').where('session_id', '=', sessionId).where('idx', '=', index));
    return row ? (JSON.parse(row.report_json) as RepRecord) : null;
  }

  deleteReps(sessionId: string): void {
    this.transaction(() => {
      this.run(this.q.deleteFrom('reps').where('session_id', '=', sessionId));
      this.enqueue('reps-cleared', sessionId);
    });
  }

  /** Removes a session's sets (crash recovery stores them anew from the re-analysis). */
  deleteSets(sessionId: string): void {
    this.transaction(() => {
      this.run(this.q.deleteFrom('sets').where('session_id', '=', sessionId));
      this.enqueue('sets-cleared', sessionId);
    });
  }

  // ---- pain reports ---------------------------------------------------------------------------

  addPainReport(report: PainReport): PainReport {
    this.transaction(() => {
      this.run(this.q.insertInto('pain_reports').values(fromPainReport(report)));
      this.enqueue('pain', report.id);
    });
    return report;
  }

  getPainReport(id: string): PainReport | null {
    const row = this.first(this.q.selectFrom('pain_reports').selectAll().where('id', '=', id));
    return row ? toPainReport(row) : null;
  }

  listPainReports(sessionId: string): PainReport[] {
    return this.all(this.q.selectFrom('pain_reports').selectAll().where('session_id', '=', sessionId).orderBy('created_at').orderBy('id')).map(toPainReport);
  }

  // ---- settings (key/value, JSON; this station's own, never pushed) ------------------------------

  getSetting<T>(key: string): T | null {
    const row = this.first(this.q.selectFrom('settings').select('value_json').where('key', '=', key));
    return row ? (JSON.parse(row.value_json) as T) : null;
  }

  setSetting(key: string, value: unknown): void {
    const value_json = JSON.stringify(value);
    this.run(this.q.insertInto('settings').values({ key, value_json }).onConflict((oc) => oc.column('key').doUpdateSet({ value_json })));
  }

  /** Deletes every setting whose key starts with `prefix`; returns how many. */
  deleteSettingsWithPrefix(prefix: string): number {
    const keys = this.all(this.q.selectFrom('settings').select('key').where('key', 'like', `${prefix.replace(/[%_\\]/g, '\\$&')}%`)).filter((r) => r.key.startsWith(prefix));
    for (const { key } of keys) this.run(this.q.deleteFrom('settings').where('key', '=', key));
    return keys.length;
  }

  /** Runs `fn` in one transaction (all or nothing); nested calls join the outer one. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
