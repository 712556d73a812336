// The bridge's embedded database (SQLite through better-sqlite3): patients, sessions, sets, reps and
// settings. Recordings are files in the data directory that session rows point to. The schema is
// built by numbered migrations, applied in order inside a transaction and remembered in
// `schema_migrations`, so an older database is upgraded on open and a newer one is refused.
import Database from 'better-sqlite3';
import type {
  Patient,
  PatientSettings,
  RepRecord,
  SessionStatus,
  SessionSummary,
  SetSummary,
  SourceSpec,
} from '@hinge/protocol';

/** Migration N (index N-1) turns schema version N-1 into N. Append only; never edit a shipped one. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE patients (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     notes TEXT NOT NULL DEFAULT '',
     created_at TEXT NOT NULL
   );
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     patient_id TEXT NOT NULL REFERENCES patients(id),
     label TEXT NOT NULL,
     exercise TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('created','live','stopped','interrupted')),
     settings_json TEXT NOT NULL,
     source_json TEXT,
     recording_path TEXT,
     created_at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT,
     last_t REAL NOT NULL DEFAULT 0,
     calibration_json TEXT,
     summary_json TEXT,
     warnings_json TEXT NOT NULL DEFAULT '[]'
   );
   CREATE INDEX sessions_by_patient ON sessions(patient_id, created_at);
   CREATE TABLE sets (
     session_id TEXT NOT NULL REFERENCES sessions(id),
     idx INTEGER NOT NULL,
     start_t REAL NOT NULL,
     end_t REAL,
     summary_json TEXT,
     PRIMARY KEY (session_id, idx)
   );
   CREATE TABLE reps (
     session_id TEXT NOT NULL REFERENCES sessions(id),
     idx INTEGER NOT NULL,
     set_idx INTEGER,
     start_t REAL NOT NULL,
     end_t REAL NOT NULL,
     peak_lumbar_deg REAL NOT NULL,
     faults_json TEXT NOT NULL,
     report_json TEXT NOT NULL,
     PRIMARY KEY (session_id, idx)
   );
   CREATE TABLE settings (
     key TEXT PRIMARY KEY,
     value_json TEXT NOT NULL
   );`,
];

export interface SessionRow {
  id: string;
  patientId: string;
  label: string;
  exercise: string;
  status: SessionStatus;
  settings: PatientSettings;
  source: SourceSpec | null;
  recordingPath: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  lastT: number;
  calibration: { start: number; end: number } | null;
  summary: SessionSummary | null;
  warnings: string[];
}

export interface SetRow {
  index: number;
  start: number;
  end: number | null;
  summary: SetSummary | null;
}

interface RawSession {
  id: string;
  patient_id: string;
  label: string;
  exercise: string;
  status: SessionStatus;
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
}

const parseOrNull = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));

function toSessionRow(r: RawSession): SessionRow {
  return {
    id: r.id,
    patientId: r.patient_id,
    label: r.label,
    exercise: r.exercise,
    status: r.status,
    settings: JSON.parse(r.settings_json) as PatientSettings,
    source: parseOrNull<SourceSpec>(r.source_json),
    recordingPath: r.recording_path,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    lastT: r.last_t,
    calibration: parseOrNull(r.calibration_json),
    summary: parseOrNull<SessionSummary>(r.summary_json),
    warnings: JSON.parse(r.warnings_json) as string[],
  };
}

export class StoreError extends Error {
  readonly code = 'HINGE_ERR_STORE';
}

export class Store {
  readonly db: Database.Database;

  /** Opens (creating if needed) the database file and brings its schema up to date. ':memory:' for tests. */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a committed transaction survives a process crash; only power loss may lose the last ones.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  get schemaVersion(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new StoreError(`database schema version ${current} is newer than this bridge knows (${MIGRATIONS.length}); update the bridge`);
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version - 1] as string;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  // ---- patients -------------------------------------------------------------------------------

  createPatient(patient: Patient): Patient {
    this.db
      .prepare('INSERT INTO patients (id, name, notes, created_at) VALUES (?, ?, ?, ?)')
      .run(patient.id, patient.name, patient.notes, patient.createdAt);
    return patient;
  }

  listPatients(): Patient[] {
    return this.db.prepare('SELECT id, name, notes, created_at AS createdAt FROM patients ORDER BY name, created_at').all() as Patient[];
  }

  getPatient(id: string): Patient | null {
    return (this.db.prepare('SELECT id, name, notes, created_at AS createdAt FROM patients WHERE id = ?').get(id) as Patient | undefined) ?? null;
  }

  // ---- sessions -------------------------------------------------------------------------------

  createSession(s: SessionRow): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id, patient_id, label, exercise, status, settings_json, source_json, recording_path,
           created_at, started_at, ended_at, last_t, calibration_json, summary_json, warnings_json)
         VALUES (@id, @patientId, @label, @exercise, @status, @settings, @source, @recordingPath,
           @createdAt, @startedAt, @endedAt, @lastT, @calibration, @summary, @warnings)`,
      )
      .run(this.sessionParams(s));
  }

  updateSession(s: SessionRow): void {
    this.db
      .prepare(
        `UPDATE sessions SET label=@label, status=@status, settings_json=@settings, source_json=@source,
           recording_path=@recordingPath, started_at=@startedAt, ended_at=@endedAt, last_t=@lastT,
           calibration_json=@calibration, summary_json=@summary, warnings_json=@warnings
         WHERE id=@id`,
      )
      .run(this.sessionParams(s));
  }

  private sessionParams(s: SessionRow): Record<string, unknown> {
    return {
      id: s.id,
      patientId: s.patientId,
      label: s.label,
      exercise: s.exercise,
      status: s.status,
      settings: JSON.stringify(s.settings),
      source: s.source === null ? null : JSON.stringify(s.source),
      recordingPath: s.recordingPath,
      createdAt: s.createdAt,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      lastT: s.lastT,
      calibration: s.calibration === null ? null : JSON.stringify(s.calibration),
      summary: s.summary === null ? null : JSON.stringify(s.summary),
      warnings: JSON.stringify(s.warnings),
    };
  }

  getSession(id: string): SessionRow | null {
    const raw = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as RawSession | undefined;
    return raw ? toSessionRow(raw) : null;
  }

  listSessions(filter: { patientId?: string; status?: SessionStatus } = {}): SessionRow[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM sessions WHERE (@patientId IS NULL OR patient_id = @patientId)
           AND (@status IS NULL OR status = @status) ORDER BY created_at, id`,
      )
      .all({ patientId: filter.patientId ?? null, status: filter.status ?? null }) as RawSession[];
    return rows.map(toSessionRow);
  }

  // ---- sets and reps --------------------------------------------------------------------------

  upsertSet(sessionId: string, set: SetRow): void {
    this.db
      .prepare(
        `INSERT INTO sets (session_id, idx, start_t, end_t, summary_json) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(session_id, idx) DO UPDATE SET start_t=excluded.start_t, end_t=excluded.end_t, summary_json=excluded.summary_json`,
      )
      .run(sessionId, set.index, set.start, set.end, set.summary === null ? null : JSON.stringify(set.summary));
  }

  listSets(sessionId: string): SetRow[] {
    const rows = this.db
      .prepare('SELECT idx, start_t, end_t, summary_json FROM sets WHERE session_id = ? ORDER BY idx')
      .all(sessionId) as { idx: number; start_t: number; end_t: number | null; summary_json: string | null }[];
    return rows.map((r) => ({ index: r.idx, start: r.start_t, end: r.end_t, summary: parseOrNull<SetSummary>(r.summary_json) }));
  }

  /** Stores a rep; the same index again replaces it (re-analysis after a crash). */
  upsertRep(sessionId: string, rep: RepRecord): void {
    this.db
      .prepare(
        `INSERT INTO reps (session_id, idx, set_idx, start_t, end_t, peak_lumbar_deg, faults_json, report_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(session_id, idx) DO UPDATE SET set_idx=excluded.set_idx, start_t=excluded.start_t, end_t=excluded.end_t,
           peak_lumbar_deg=excluded.peak_lumbar_deg, faults_json=excluded.faults_json, report_json=excluded.report_json`,
      )
      .run(sessionId, rep.index, rep.setIndex, rep.start, rep.end, rep.peakLumbarDeg, JSON.stringify(rep.faults), JSON.stringify(rep));
  }

  listReps(sessionId: string): RepRecord[] {
    const rows = this.db.prepare('SELECT report_json FROM reps WHERE session_id = ? ORDER BY idx').all(sessionId) as { report_json: string }[];
    return rows.map((r) => JSON.parse(r.report_json) as RepRecord);
  }

  deleteReps(sessionId: string): void {
    this.db.prepare('DELETE FROM reps WHERE session_id = ?').run(sessionId);
  }

  // ---- settings (key/value, JSON) ---------------------------------------------------------------

  getSetting<T>(key: string): T | null {
    const row = this.db.prepare('SELECT value_json FROM settings WHERE key = ?').get(key) as { value_json: string } | undefined;
    return row ? (JSON.parse(row.value_json) as T) : null;
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json')
      .run(key, JSON.stringify(value));
  }

  /** Runs `fn` in one transaction (all or nothing). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
