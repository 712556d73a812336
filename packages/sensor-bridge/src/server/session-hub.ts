// All sessions of one bridge: creates them, finds them (running ones in memory, finished ones in
// the database), starts their sources, recovers interrupted ones at start-up, and tells every
// connection when the list of running sessions changes. Several stations run side by side.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type {
  CreatePatientBody,
  CreateSessionBody,
  ImportSessionBody,
  PainReportBody,
  PatientPatch,
  Patient,
  PatientSettings,
  SessionListEntry,
  SessionState,
  SessionStatus,
  SourceSpec,
} from '@hinge/protocol';
import { settingsProblems } from '@hinge/protocol';
import type { SensorSource } from '../sources/source';
import type { Archive } from '../storage/archive';
import type { PainPhase, SessionRow, Store } from '../storage/store';
import type { ChannelStats, ClientChannel } from './client-channel';
import { HingeError } from './errors';
import { LiveSession, type AnalyzerFactory } from './live-session';
import { recoverInterruptedSession, type OfflineAnalyzer } from './recovery';
import type { OfflinePassFactory } from './stored-analysis';
import { countRepsPerSet, sessionState, storeAnalysisDocument } from './session-record';
import { CsvInputError } from '../import/csv-input';
import { importRecording, type ImportResult } from '../import/import-recording';
import { parseColumnMapping } from '../import/vendor-formats';
import { writeRecordingFile } from '../recording/writer';
import { storedRecordingPath } from '../storage/archive';
import { describeStorageError } from '../storage/storage-error';
import type { DataDirLayout } from '../storage/data-dir';
import { localDate, localDateTime } from '../report/local-time';

export const DEFAULT_MAX_LIVE_SESSIONS = 16;
/** How long a display link still works after its session ended, ms. */
export const DISPLAY_LINK_GRACE_MS = 10 * 60 * 1000;
/** Display links are kept in the store's settings under this prefix (`hinge token rotate` deletes them all). */
export const DISPLAY_TOKEN_PREFIX = 'display-token:';

export interface SessionHubOptions {
  /** This bridge's own database: live sessions write here. */
  store: Store;
  /** Where finished sessions and patients are read from: the store, or the clinic database (review). */
  archive: Archive;
  /** Written on every session created here (`--station`). */
  station?: string | null;
  /** A review desk: no sessions, no patients created here. */
  reviewOnly?: boolean;
  layout: Pick<DataDirLayout, 'root' | 'recordings'>;
  defaultSettings: PatientSettings;
  createAnalyzer: AnalyzerFactory;
  analyzeOffline: OfflineAnalyzer;
  /** One streaming pass over a stored recording (crash recovery; stored-analysis.ts). */
  createOfflinePass: OfflinePassFactory;
  /** Turns a source spec into a source; throws HingeError for a spec it cannot serve. */
  createSource(spec: SourceSpec): SensorSource;
  maxLiveSessions?: number;
  log?(message: string): void;
}

/** Global ids: rows of many stations meet in one clinic database. */
const newId = () => randomUUID();

export class SessionHub {
  private readonly live = new Map<string, LiveSession>();
  /** Open connections and which sessions each may see (a display link sees one). */
  private readonly connections = new Map<ClientChannel, (sessionId: string) => boolean>();

  constructor(private readonly options: SessionHubOptions) {}

  private get store(): Store {
    return this.options.store;
  }

  /** Closes sessions a crash left open. Call once, before serving. Returns their ids. */
  async recover(): Promise<string[]> {
    const open = this.store.listSessions({ status: 'live' });
    for (const row of open) {
      const recovered = await recoverInterruptedSession(row, this.store, this.options.layout, this.options.createOfflinePass);
      this.log(`session ${row.id} was interrupted; recovered up to t=${recovered.lastT.toFixed(2)} s`);
    }
    return open.map((r) => r.id);
  }

  // ---- patients -------------------------------------------------------------------------------

  createPatient(body: CreatePatientBody): Patient {
    this.requireRecording();
    const clinicId = body.clinicId?.trim() || null;
    if (clinicId !== null && this.store.findPatientByClinicId(clinicId)) throw new HingeError('HINGE_ERR_PATIENT_EXISTS', 409, clinicId);
    return this.store.createPatient({ id: newId(), name: body.name, notes: body.notes ?? '', clinicId, createdAt: new Date().toISOString() });
  }

  /** Name, clinic identifier or notes of a patient of this bridge. */
  async updatePatient(id: string, patch: PatientPatch): Promise<Patient> {
    this.requireRecording();
    const current = this.store.getPatient(id);
    if (!current) throw new HingeError('HINGE_ERR_PATIENT_NOT_FOUND', 404);
    const clinicId = patch.clinicId === undefined ? current.clinicId : patch.clinicId?.trim() || null;
    const other = clinicId === null ? null : this.store.findPatientByClinicId(clinicId);
    if (other && other.id !== id) throw new HingeError('HINGE_ERR_PATIENT_EXISTS', 409, clinicId ?? '');
    const next: Patient = { ...current, ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.notes !== undefined ? { notes: patch.notes } : {}), clinicId };
    this.store.updatePatient(next);
    return next;
  }

  async patient(id: string): Promise<Patient> {
    const p = await this.options.archive.getPatient(id);
    if (!p) throw new HingeError('HINGE_ERR_PATIENT_NOT_FOUND', 404);
    return p;
  }

  listPatients(): Promise<Patient[]> {
    return this.options.archive.listPatients();
  }

  private requireRecording(): void {
    if (this.options.reviewOnly) throw new HingeError('HINGE_ERR_REVIEW_ONLY', 409);
  }

  // ---- sessions -------------------------------------------------------------------------------

  async createSession(body: CreateSessionBody): Promise<LiveSession> {
    this.requireRecording();
    const patient = await this.patient(body.patientId);
    if (this.live.size >= (this.options.maxLiveSessions ?? DEFAULT_MAX_LIVE_SESSIONS)) throw new HingeError('HINGE_ERR_TOO_MANY_SESSIONS', 429);
    // A patient's new session starts from the settings of their previous one.
    const remembered = this.store.getSetting<PatientSettings>(`patient-settings:${body.patientId}`);
    const settings = { ...this.options.defaultSettings, ...remembered, ...body.settings } as PatientSettings;
    const problems = settingsProblems(settings);
    if (problems.length > 0) throw new HingeError('HINGE_ERR_BAD_MESSAGE', 400, problems.join('; '));
    this.store.setSetting(`patient-settings:${body.patientId}`, settings);
    const createdAt = new Date().toISOString();
    const row: SessionRow = {
      id: newId(),
      patientId: body.patientId,
      label: body.label ?? `${patient.name} ${localDateTime(new Date(createdAt))}`,
      exercise: body.exercise ?? 'hip-hinge',
      status: 'created',
      settings,
      source: null,
      recordingPath: null,
      createdAt,
      startedAt: null,
      endedAt: null,
      lastT: 0,
      calibration: null,
      summary: null,
      warnings: [],
      station: this.options.station ?? null,
    };
    this.store.createSession(row);
    const session = new LiveSession(row, {
      store: this.store,
      layout: this.options.layout,
      createAnalyzer: this.options.createAnalyzer,
      onStopped: (s) => {
        this.live.delete(s.id);
        this.announce();
      },
      log: (m) => this.log(m),
    });
    this.live.set(row.id, session);
    if (body.source) {
      try {
        await this.attachSource(row.id, body.source);
      } catch (error) {
        await session.stop();
        throw error;
      }
    }
    this.announce();
    return session;
  }

  /**
   * Vendor exports of both sensors (docs/import.md) as a finished session of the patient: the recording
   * is written to the recordings folder and analysed, as a session recorded here would be.
   */
  async importSession(body: ImportSessionBody): Promise<SessionRow> {
    this.requireRecording();
    const patient = await this.patient(body.patientId);
    if (body.startedAt !== undefined && Number.isNaN(Date.parse(body.startedAt))) throw new HingeError('HINGE_ERR_BAD_MESSAGE', 400, 'startedAt is not an ISO 8601 time');
    const sensor = (s: ImportSessionBody['sacrum']) => ({ sources: s.files.map((f) => ({ name: f.name, bytes: Buffer.from(f.text) })), ...(s.device !== undefined ? { device: s.device } : {}) });
    let imported: ImportResult;
    try {
      imported = await importRecording({
        format: body.format,
        sacrum: sensor(body.sacrum),
        thoracic: sensor(body.thoracic),
        ...(body.align ? { align: body.align } : {}),
        ...(body.startedAt ? { startedAt: new Date(body.startedAt).toISOString() } : {}),
        ...(body.format === 'dot' && body.gyrUnit ? { dotGyrUnit: body.gyrUnit } : {}),
        ...(body.format === 'generic' ? { mapping: parseColumnMapping(body.columns ?? '', { ...(body.timeUnit ? { timeUnit: body.timeUnit } : {}), ...(body.accUnit ? { accUnit: body.accUnit } : {}), ...(body.gyrUnit ? { gyrUnit: body.gyrUnit } : {}) }) } : {}),
      });
    } catch (error) {
      // A bad file or mapping is the caller's to fix; the message names the file and line.
      if (error instanceof CsvInputError || !(error instanceof HingeError)) throw new HingeError('HINGE_ERR_IMPORT', 422, (error as Error).message);
      throw error;
    }
    const { header, lines, warnings } = imported;
    const id = newId();
    const settings = { ...this.options.defaultSettings, ...this.store.getSetting<PatientSettings>(`patient-settings:${body.patientId}`) } as PatientSettings;
    const file = path.join(this.options.layout.recordings, `${localDate(new Date(header.startedAt))}_${id}.jsonl.gz`);
    try {
      await writeRecordingFile(file, { ...header, settings, setsFrom: 'pauses' }, lines);
    } catch (error) {
      throw new HingeError('HINGE_ERR_STORAGE', 507, describeStorageError(error)); // the system's message names the file's path
    }
    const lastT = lines.length > 0 ? lines[lines.length - 1]!.t : 0;
    const row: SessionRow = {
      id,
      patientId: body.patientId,
      label: body.label ?? `${patient.name} ${localDateTime(new Date(header.startedAt))} (imported)`,
      exercise: 'hip-hinge',
      status: 'stopped',
      settings,
      source: null,
      recordingPath: storedRecordingPath(this.options.layout.root, file),
      createdAt: new Date().toISOString(),
      startedAt: header.startedAt,
      endedAt: new Date(Date.parse(header.startedAt) + lastT * 1000).toISOString(),
      lastT,
      calibration: null,
      summary: null,
      warnings: [`imported from a ${body.format} export`, ...warnings],
      station: this.options.station ?? null,
    };
    this.store.createSession(row);
    const analysed = storeAnalysisDocument(this.store, row, this.options.analyzeOffline({ ...header, settings, setsFrom: 'pauses' }, lines));
    this.store.updateSession(analysed);
    return analysed;
  }

  async attachSource(sessionId: string, spec: SourceSpec): Promise<LiveSession> {
    const session = this.liveSession(sessionId);
    let source: SensorSource;
    try {
      source = this.options.createSource(spec);
    } catch (error) {
      if (error instanceof HingeError) throw error;
      throw new HingeError('HINGE_ERR_SOURCE', 422, (error as Error).message);
    }
    try {
      await session.attachSource(spec, source);
    } catch (error) {
      await source.stop().catch(() => undefined); // gives back what the source holds (a replay slot)
      throw error;
    }
    this.announce();
    return session;
  }

  /** A running (or created, not yet started) session; throws when it is finished or unknown. */
  liveSession(id: string): LiveSession {
    const session = this.live.get(id);
    if (session) return session;
    if (this.store.getSession(id)) throw new HingeError('HINGE_ERR_SESSION_NOT_LIVE', 409);
    throw new HingeError('HINGE_ERR_SESSION_NOT_FOUND', 404);
  }

  /** Stored row of any session. */
  async sessionRow(id: string): Promise<SessionRow> {
    const row = await this.options.archive.getSession(id);
    if (!row) throw new HingeError('HINGE_ERR_SESSION_NOT_FOUND', 404);
    return row;
  }

  async sessionState(id: string): Promise<SessionState> {
    const session = this.live.get(id);
    return this.withPain(session ? session.state() : await this.storedState(await this.sessionRow(id)));
  }

  async listSessions(filter: { patientId?: string; status?: SessionStatus }): Promise<SessionState[]> {
    const rows = await this.options.archive.listSessions(filter);
    return Promise.all(rows.map(async (row) => this.withPain(this.live.get(row.id)?.state() ?? (await this.storedState(row)))));
  }

  /** The latest pain reports before and after the session (REST answers); "before" falls back to the pain setting. */
  private async withPain(state: SessionState): Promise<SessionState> {
    const reports = await this.options.archive.listPainReports(state.id);
    const latest = (phase: PainPhase) => reports.filter((r) => r.phase === phase).at(-1)?.scoreNrs ?? null;
    return { ...state, painBefore: latest('before') ?? state.settings.painLevel, painAfter: latest('after') };
  }

  /** A pain report (0-10) of a session recorded at this bridge. */
  async reportPain(id: string, body: PainReportBody): Promise<SessionState> {
    this.requireRecording();
    const row = await this.sessionRow(id);
    this.store.addPainReport({ id: newId(), patientId: row.patientId, sessionId: id, phase: body.phase, scoreNrs: body.scoreNrs, note: body.note ?? '', createdAt: new Date().toISOString() });
    return this.sessionState(id);
  }

  private async storedState(row: SessionRow): Promise<SessionState> {
    const [sets, reps] = await Promise.all([this.options.archive.listSets(row.id), this.options.archive.listReps(row.id)]);
    return sessionState(row, sets, countRepsPerSet(reps), []);
  }

  runningSessions(): SessionListEntry[] {
    return [...this.live.values()].map((s) => ({ id: s.id, label: s.label, status: s.status, capabilities: [...s.capabilities] }));
  }

  // ---- patient display links --------------------------------------------------------------------

  async createDisplayToken(sessionId: string): Promise<string> {
    await this.sessionRow(sessionId);
    const token = `d_${randomBytes(18).toString('base64url')}`;
    this.store.setSetting(`${DISPLAY_TOKEN_PREFIX}${token}`, sessionId);
    return token;
  }

  /**
   * The session a display link shows, or null when the link is unknown or has expired: a link lives as
   * long as its session runs and DISPLAY_LINK_GRACE_MS after it ended (the patient screen shows the
   * final count), never longer.
   */
  displayTokenSession(token: string, nowMs = Date.now()): string | null {
    if (!token.startsWith('d_')) return null;
    const sessionId = this.store.getSetting<string>(`${DISPLAY_TOKEN_PREFIX}${token}`);
    if (sessionId === null || this.live.has(sessionId)) return sessionId;
    const row = this.store.getSession(sessionId);
    const endedMs = row?.endedAt ? Date.parse(row.endedAt) : NaN;
    return Number.isFinite(endedMs) && nowMs - endedMs <= DISPLAY_LINK_GRACE_MS ? sessionId : null;
  }

  // ---- connections ------------------------------------------------------------------------------

  addConnection(client: ClientChannel, canSee: (sessionId: string) => boolean): void {
    this.connections.set(client, canSee);
  }

  removeConnection(client: ClientChannel): void {
    this.connections.delete(client);
    for (const session of this.live.values()) session.unsubscribe(client);
  }

  private announce(): void {
    const sessions = this.runningSessions();
    for (const [client, canSee] of this.connections) client.send({ type: 'sessions', sessions: sessions.filter((s) => canSee(s.id)) });
  }

  /** Backpressure counters of every open connection (observable internals, for tests and benchmarks). */
  connectionStats(): ChannelStats[] {
    return [...this.connections.keys()].map((c) => ({ ...c.stats }));
  }

  get liveCount(): number {
    return [...this.live.values()].filter((s) => s.status === 'live').length;
  }

  /** Stops every running session (recordings closed, summaries stored). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((s) => s.stop()));
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}
