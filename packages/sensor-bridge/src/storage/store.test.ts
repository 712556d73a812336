// The station's SQLite store: the Kysely-built schema, an upgrade of a database made by the first
// shipped version (its SQL text, copied below as it was released), and the outbox that feeds the push.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { RepRecord } from '@hinge/protocol';
import { DEFAULT_SETTINGS } from '@hinge/analysis';
import { MIGRATIONS, Store, type SessionRow } from './store';

const dir = mkdtempSync(path.join(tmpdir(), 'hinge-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Schema version 1 exactly as the first release wrote it. */
const SHIPPED_V1_SQL = `CREATE TABLE patients (id TEXT PRIMARY KEY, name TEXT NOT NULL, notes TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, patient_id TEXT NOT NULL REFERENCES patients(id), label TEXT NOT NULL, exercise TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('created','live','stopped','interrupted')), settings_json TEXT NOT NULL, source_json TEXT,
  recording_path TEXT, created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT, last_t REAL NOT NULL DEFAULT 0, calibration_json TEXT,
  summary_json TEXT, warnings_json TEXT NOT NULL DEFAULT '[]');
CREATE INDEX sessions_by_patient ON sessions(patient_id, created_at);
CREATE TABLE sets (session_id TEXT NOT NULL REFERENCES sessions(id), idx INTEGER NOT NULL, start_t REAL NOT NULL, end_t REAL, summary_json TEXT, PRIMARY KEY (session_id, idx));
CREATE TABLE reps (session_id TEXT NOT NULL REFERENCES sessions(id), idx INTEGER NOT NULL, set_idx INTEGER, start_t REAL NOT NULL, end_t REAL NOT NULL,
  peak_lumbar_deg REAL NOT NULL, faults_json TEXT NOT NULL, report_json TEXT NOT NULL, PRIMARY KEY (session_id, idx));
CREATE TABLE settings (key TEXT PRIMARY KEY, value_json TEXT NOT NULL);`;

function sessionRow(id: string, patientId: string, overrides: Partial<SessionRow> = {}): SessionRow {
  return {
    id,
    patientId,
    label: 'test',
    exercise: 'hip-hinge',
    status: 'created',
    settings: DEFAULT_SETTINGS,
    source: null,
    recordingPath: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    startedAt: null,
    endedAt: null,
    lastT: 0,
    calibration: null,
    summary: null,
    warnings: [],
    station: null,
    ...overrides,
  };
}

const rep = (index: number, setIndex: number | null = 1): RepRecord =>
  ({ index, setIndex, start: index * 3, end: index * 3 + 2, peakLumbarDeg: 12.5, faults: [] }) as unknown as RepRecord;

describe('Store (SQLite through Kysely)', () => {
  it('creates the current schema and round-trips patients, sessions, sets, reps and pain reports', () => {
    const store = new Store(':memory:');
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    store.createPatient({ id: 'p1', name: 'Ada', notes: '', clinicId: 'MRN-1', createdAt: '2026-01-01T09:00:00.000Z' });
    store.createSession(sessionRow('s1', 'p1', { station: 'bay-2', lastT: 1.25 }));
    store.updateSession({ ...sessionRow('s1', 'p1', { station: 'bay-2' }), status: 'stopped', lastT: 61.5, warnings: ['w'] });
    store.upsertSet('s1', { index: 1, start: 0, end: null, summary: null });
    store.upsertSet('s1', { index: 1, start: 0, end: 30.5, summary: null });
    store.upsertRep('s1', rep(1));
    store.upsertRep('s1', rep(2));
    store.addPainReport({ id: 'pr1', patientId: 'p1', sessionId: 's1', phase: 'before', scoreNrs: 4, note: '', createdAt: '2026-01-01T10:00:00.000Z' });

    expect(store.findPatientByClinicId('MRN-1')?.id).toBe('p1');
    expect(store.getSession('s1')).toMatchObject({ status: 'stopped', lastT: 61.5, warnings: ['w'], station: 'bay-2' });
    expect(store.listSets('s1')).toEqual([{ index: 1, start: 0, end: 30.5, summary: null }]);
    expect(store.listReps('s1').map((r) => r.index)).toEqual([1, 2]);
    expect(store.listPainReports('s1')).toMatchObject([{ phase: 'before', scoreNrs: 4 }]);
    expect(() => store.addPainReport({ id: 'pr2', patientId: 'p1', sessionId: 's1', phase: 'before', scoreNrs: 11, note: '', createdAt: '' })).toThrow(/CHECK/);
    store.close();
  });

  it('notes every change in the outbox once per row, in first-change order; a row changed after it was read stays queued', () => {
    const store = new Store(':memory:');
    store.createPatient({ id: 'p1', name: 'Ada', notes: '', clinicId: null, createdAt: '2026-01-01T09:00:00.000Z' });
    store.createSession(sessionRow('s1', 'p1'));
    store.upsertRep('s1', rep(1));
    store.updateSession(sessionRow('s1', 'p1', { lastT: 5 }));
    store.upsertRep('s1', rep(1));
    const batch = store.outboxBatch(10);
    expect(batch.map((e) => `${e.kind} ${e.key} v${e.version}`)).toEqual(['patient p1 v1', 'session s1 v2', 'rep s1:1 v2']);
    store.updateSession(sessionRow('s1', 'p1', { lastT: 6 })); // after the read, before the acknowledgement
    store.acknowledge(batch);
    expect(store.outboxBatch(10).map((e) => `${e.kind} ${e.key} v${e.version}`)).toEqual(['session s1 v3']);
    store.close();
  });

  it('upgrades a database of the first release: data kept, everything queued for its first push (patients first)', () => {
    const file = path.join(dir, 'v1.sqlite');
    const old = new Database(file);
    old.exec(SHIPPED_V1_SQL);
    old.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
      INSERT INTO schema_migrations VALUES (1, '2025-06-01T00:00:00Z');
      INSERT INTO patients VALUES ('p_aaaaaaaaaaaa', 'Old patient', 'n', '2025-06-01T00:00:00Z');
      INSERT INTO sessions (id, patient_id, label, exercise, status, settings_json, created_at, last_t)
        VALUES ('s_bbbbbbbbbbbb', 'p_aaaaaaaaaaaa', 'old', 'hip-hinge', 'stopped', '${JSON.stringify(DEFAULT_SETTINGS)}', '2025-06-01T01:00:00Z', 42.5);
      INSERT INTO reps VALUES ('s_bbbbbbbbbbbb', 1, NULL, 1, 2, 10, '[]', '{"index":1}');`);
    old.close();

    const store = new Store(file);
    expect(store.schemaVersion).toBe(2);
    expect(store.getPatient('p_aaaaaaaaaaaa')).toMatchObject({ name: 'Old patient', clinicId: null });
    expect(store.getSession('s_bbbbbbbbbbbb')).toMatchObject({ lastT: 42.5, station: null });
    expect(store.outboxBatch(10).map((e) => `${e.kind} ${e.key}`)).toEqual(['patient p_aaaaaaaaaaaa', 'session s_bbbbbbbbbbbb', 'rep s_bbbbbbbbbbbb:1']);
    store.close();
    // Opening again migrates nothing and queues nothing twice.
    const again = new Store(file);
    expect(again.outboxSize).toBe(3);
    again.close();
  });

  it('refuses a database from a newer bridge', () => {
    const file = path.join(dir, 'newer.sqlite');
    new Store(file).close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(MIGRATIONS.length + 1, 'future');
    db.close();
    expect(() => new Store(file)).toThrow(/newer than this bridge knows/);
  });
});
