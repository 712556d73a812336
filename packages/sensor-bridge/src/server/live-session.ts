// One running session: source -> recording (append, flushed every 250 ms) -> streaming analysis ->
// database and subscribers. The session lifecycle lives here: assign a source, calibrate, start and
// stop sets, change settings, stop. Control actions are written into the recording as event lines
// (`calibrate`, `set-start`, `set-end`, `settings`) so a replay of the file reproduces the session.
// Storage failures (disk full, read-only database) are caught where they happen, never thrown into a
// timer or a source callback: recording stops cleanly, what was written is kept, the clinician sees a
// problem, and the live view goes on.
import path from 'node:path';
import {
  isEventLine,
  type AngleFrame,
  type AnalysisEvent,
  type EventLine,
  type PatientSettings,
  type RecordingHeader,
  type RecordingLine,
  type RepReport,
  type SessionState,
  type SettingsPatch,
  type SourceSpec,
} from '@hinge/protocol';
import type { SessionAnalyzer } from '@hinge/analysis';
import { RecordingWriter } from '../recording/writer';
import type { SensorSource, SourceStatus } from '../sources/source';
import type { SessionRow, SetRow, Store } from '../storage/store';
import type { ClientChannel } from './client-channel';
import { HingeError } from './errors';
import { describeStorageError } from '../storage/storage-error';

/** Shortest time between two angle frames of one session, ms (at most 60 frames per second; sources deliver every 20 ms, so frames normally go out at once). */
export const MIN_FRAME_INTERVAL_MS = 16;
/** Sensor status is pushed to subscribers this often, ms. */
export const STATUS_INTERVAL_MS = 1000;

/** The part of the analysis' SessionAnalyzer a live session drives. */
export type StreamingAnalyzer = Pick<SessionAnalyzer, 'push' | 'takeAngles' | 'takeEvents' | 'updateSettings' | 'finish'>;
export type AnalyzerFactory = (header: RecordingHeader, settings: PatientSettings) => StreamingAnalyzer;

export interface LiveSessionDeps {
  store: Store;
  recordingsDir: string;
  createAnalyzer: AnalyzerFactory;
  /** Called when the session stops by itself (its source ended) or is stopped. */
  onStopped(session: LiveSession): void;
  log(message: string): void;
}

/** The set index a rep belongs to: the set whose [start, end] holds the rep's start. */
export function setIndexAt(sets: readonly SetRow[], t: number): number | null {
  for (const s of sets) if (t >= s.start && (s.end === null || t <= s.end)) return s.index;
  return null;
}

export class LiveSession {
  private source: SensorSource | null = null;
  private analyzer: StreamingAnalyzer | null = null;
  private writer: RecordingWriter | null = null;
  private readonly subscribers = new Set<ClientChannel>();
  private sets: SetRow[];
  private repCount: number;
  /** Reps per set index ('none' for reps outside any set); kept in memory so state() never queries. */
  private repsPerSet = new Map<number | 'none', number>();
  private pending: { t: number[]; pelvisDeg: (number | null)[]; trunkDeg: (number | null)[]; lumbarDeg: (number | null)[] } = {
    t: [],
    pelvisDeg: [],
    trunkDeg: [],
    lumbarDeg: [],
  };
  private lastFrameAtMs = 0;
  private frameTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  /** The row changed (latest t) since it was last written to the database. */
  private dirty = false;
  /** Why recording stopped (disk full, database unwritable); null while it records. Shown as a problem. */
  private storageProblem: string | null = null;

  constructor(
    private row: SessionRow,
    private readonly deps: LiveSessionDeps,
  ) {
    this.sets = deps.store.listSets(row.id);
    this.repCount = 0;
    this.countReps();
  }

  private countReps(): void {
    const reps = this.deps.store.listReps(this.row.id);
    this.repCount = reps.length;
    this.repsPerSet.clear();
    for (const r of reps) this.repsPerSet.set(r.setIndex ?? 'none', (this.repsPerSet.get(r.setIndex ?? 'none') ?? 0) + 1);
  }

  get id(): string {
    return this.row.id;
  }

  get status(): SessionRow['status'] {
    return this.row.status;
  }

  get capabilities(): readonly string[] {
    return this.source?.capabilities ?? [];
  }

  get label(): string {
    return this.row.label;
  }

  state(): SessionState {
    const active = this.sets.find((s) => s.end === null) ?? null;
    const current = active ?? this.sets[this.sets.length - 1] ?? null;
    return {
      id: this.row.id,
      patientId: this.row.patientId,
      label: this.row.label,
      exercise: this.row.exercise,
      status: this.row.status,
      settings: this.row.settings,
      source: this.row.source,
      capabilities: [...this.capabilities],
      createdAt: this.row.createdAt,
      startedAt: this.row.startedAt,
      endedAt: this.row.endedAt,
      t: this.row.lastT,
      calibration: this.row.calibration,
      activeSet: active?.index ?? null,
      sets: this.sets.map((s) => ({ ...s, repCount: this.repsPerSet.get(s.index) ?? 0 })),
      repCount: this.repCount,
      setRepCount: current ? (this.repsPerSet.get(current.index) ?? 0) : 0,
      summary: this.row.summary,
      warnings: this.row.warnings,
      station: this.row.station,
    };
  }

  sourceStatus(): SourceStatus {
    const status = this.source?.status() ?? { sensors: [], problems: [] };
    return this.storageProblem ? { ...status, problems: [...status.problems, this.storageProblem] } : status;
  }

  /** Why recording stopped, or null while it records (observable for tests). */
  get recordingProblem(): string | null {
    return this.storageProblem;
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Assigns the sensors and starts streaming, recording and analysing. */
  async attachSource(spec: SourceSpec, source: SensorSource): Promise<void> {
    if (this.row.status !== 'created' || this.source) throw new HingeError('HINGE_ERR_SESSION_HAS_SOURCE', 409);
    this.source = source;
    let sourceHeader: RecordingHeader;
    try {
      sourceHeader = await source.start({
        lines: (batch) => this.onLines(batch),
        statusChanged: () => this.broadcastStatus(),
        ended: (reason) => {
          this.deps.log(`session ${this.row.id}: ${reason}`);
          this.stop().catch((error: Error) => this.deps.log(`session ${this.row.id}: stop failed: ${error.message}`));
        },
      });
    } catch (error) {
      this.source = null;
      throw new HingeError('HINGE_ERR_SOURCE', 422, (error as Error).message);
    }
    const header: RecordingHeader = {
      ...sourceHeader,
      exercise: this.row.exercise,
      subject: { ...sourceHeader.subject, ...(this.row.settings.painLevel !== null ? { painLevel: this.row.settings.painLevel } : {}) },
      session: { id: this.row.id, patientId: this.row.patientId, load: this.row.settings.load },
    };
    const file = path.join(this.deps.recordingsDir, `${header.startedAt.slice(0, 10)}_${this.row.id}.jsonl`);
    try {
      this.writer = new RecordingWriter(file, header, { onError: (error) => this.storageFailed(error.message) });
    } catch (error) {
      await source.stop();
      this.source = null;
      throw new HingeError('HINGE_ERR_STORAGE', 507, `the recording cannot be created: ${describeStorageError(error)}`);
    }
    this.analyzer = this.deps.createAnalyzer(header, this.row.settings);
    this.row = { ...this.row, status: 'live', source: spec, recordingPath: file, startedAt: header.startedAt };
    this.save('starting the session', () => this.deps.store.updateSession(this.row));
    this.statusTimer = setInterval(() => {
      this.broadcastStatus();
      if (this.dirty) this.persist();
    }, STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    this.broadcastState();
  }

  private requireLive(): void {
    if (this.row.status !== 'live' || !this.analyzer) throw new HingeError('HINGE_ERR_SESSION_NOT_LIVE', 409);
  }

  /** A control action as an event line: into the recording and the analysis, in time order. */
  private control(event: string, detail: Record<string, unknown>): void {
    const line: EventLine = { t: this.row.lastT, event, detail };
    this.writer?.append(line);
    this.analyzer?.push(line);
    this.drainAnalysis();
  }

  calibrate(): void {
    this.requireLive();
    this.control('calibrate', { kind: 'standing' });
  }

  startSet(): void {
    this.requireLive();
    if (this.sets.some((s) => s.end === null)) throw new HingeError('HINGE_ERR_SET_RUNNING', 409);
    const set: SetRow = { index: this.sets.length + 1, start: this.row.lastT, end: null, summary: null };
    this.sets.push(set);
    this.save('saving the set', () => this.deps.store.upsertSet(this.row.id, set));
    this.control('set-start', { index: set.index });
    this.broadcastState();
  }

  stopSet(): void {
    this.requireLive();
    const set = this.sets.find((s) => s.end === null);
    if (!set) throw new HingeError('HINGE_ERR_NO_SET', 409);
    this.endSet(set, 'clinician');
  }

  /** Closes a set: its end first (so nothing re-enters it), then the event line, then storage and clients. */
  private endSet(set: SetRow, reason: 'clinician' | 'target'): void {
    set.end = this.row.lastT;
    this.control('set-end', { index: set.index, reason });
    this.save('saving the set', () => this.deps.store.upsertSet(this.row.id, set));
    this.broadcastState();
  }

  /** A set ends by itself once it holds the target number of reps (a `set-end` line with reason `target`). */
  private endSetAtTarget(): void {
    const open = this.sets.find((s) => s.end === null);
    if (!open || this.row.status !== 'live') return;
    if ((this.repsPerSet.get(open.index) ?? 0) >= this.row.settings.targetReps) this.endSet(open, 'target');
  }

  updateSettings(patch: SettingsPatch): void {
    if (this.row.status === 'stopped' || this.row.status === 'interrupted') throw new HingeError('HINGE_ERR_SESSION_NOT_LIVE', 409);
    this.row = { ...this.row, settings: { ...this.row.settings, ...patch } };
    this.save('saving the settings', () => this.deps.store.updateSession(this.row));
    if (this.analyzer) {
      this.analyzer.updateSettings(patch);
      this.control('settings', { ...patch });
    }
    this.broadcastState();
  }

  seek(t: number): void {
    this.requireLive();
    if (!this.source?.seek || !this.capabilities.includes('seek')) throw new HingeError('HINGE_ERR_NOT_SUPPORTED', 409, 'seek');
    this.source.seek(t);
  }

  setSpeed(speed: number): void {
    this.requireLive();
    if (!this.source?.setSpeed || !this.capabilities.includes('speed')) throw new HingeError('HINGE_ERR_NOT_SUPPORTED', 409, 'speed');
    this.source.setSpeed(speed);
  }

  /** Stops the source, closes the recording, stores the summary. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.row.status !== 'live') {
      if (this.row.status === 'created') {
        this.row = { ...this.row, status: 'stopped', endedAt: new Date().toISOString() };
        this.save('saving the session', () => this.deps.store.updateSession(this.row));
      }
      this.deps.onStopped(this);
      return;
    }
    try {
      await this.source?.stop();
    } catch (error) {
      this.deps.log(`session ${this.row.id}: the source did not stop cleanly: ${(error as Error).message}`);
    }
    this.flushAngles();
    const open = this.sets.find((s) => s.end === null);
    if (open) {
      this.control('set-end', { index: open.index });
      open.end = this.row.lastT;
      this.save('saving the set', () => this.deps.store.upsertSet(this.row.id, open));
    }
    this.writer?.close();
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.frameTimer) clearTimeout(this.frameTimer);
    let summary = null;
    const warnings = [...this.row.warnings];
    if (this.analyzer) {
      try {
        const doc = this.analyzer.finish();
        summary = doc.summary;
        warnings.push(...doc.warnings.filter((w: string) => !warnings.includes(w)));
        this.save('saving the reps', () =>
          this.deps.store.transaction(() => {
            for (const rep of doc.reps) this.deps.store.upsertRep(this.row.id, { ...rep, setIndex: setIndexAt(this.sets, rep.start) });
          }),
        );
        this.countReps();
        this.applySetSummaries(doc.summary.sets ?? []);
      } catch (error) {
        warnings.push(`analysis could not finish: ${(error as Error).message}`);
      }
    }
    if (this.storageProblem && !warnings.includes(this.storageProblem)) warnings.push(this.storageProblem);
    this.row = { ...this.row, status: 'stopped', endedAt: new Date().toISOString(), summary, warnings };
    this.save('saving the session', () => this.deps.store.updateSession(this.row));
    this.broadcastState();
    this.broadcastStatus();
    this.deps.onStopped(this);
  }

  private applySetSummaries(summaries: readonly { index: number }[]): void {
    for (const summary of summaries) {
      const set = this.sets.find((s) => s.index === summary.index);
      if (!set) continue;
      set.summary = summary as SetRow['summary'];
      this.save('saving the set summary', () => this.deps.store.upsertSet(this.row.id, set));
    }
  }

  // ---- data path ----------------------------------------------------------------------------------

  /** Called from the source's own timers and callbacks: nothing may be thrown back into them. */
  private onLines(batch: RecordingLine[]): void {
    if (!this.analyzer) return;
    try {
      for (const line of batch) {
        this.writer?.append(line);
        this.analyzer.push(line);
        if (!isEventLine(line) && line.t > this.row.lastT) this.row.lastT = line.t;
      }
      this.dirty = true;
      this.drainAnalysis();
    } catch (error) {
      this.deps.log(`session ${this.row.id}: a batch of samples failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  private drainAnalysis(): void {
    if (!this.analyzer) return;
    const angles = this.analyzer.takeAngles();
    for (const a of angles) {
      this.pending.t.push(a.t);
      this.pending.pelvisDeg.push(a.pelvisDeg);
      this.pending.trunkDeg.push(a.trunkDeg);
      this.pending.lumbarDeg.push(a.lumbarDeg);
    }
    if (this.pending.t.length > 0) this.scheduleFrame();
    for (const event of this.analyzer.takeEvents()) this.onEvent(event);
    this.endSetAtTarget();
  }

  private scheduleFrame(): void {
    const waitMs = this.lastFrameAtMs + MIN_FRAME_INTERVAL_MS - performance.now();
    if (waitMs <= 0) {
      this.flushAngles();
      return;
    }
    this.frameTimer ??= setTimeout(() => {
      this.frameTimer = null;
      this.flushAngles();
    }, waitMs);
  }

  private flushAngles(): void {
    if (this.pending.t.length === 0) return;
    const frame: AngleFrame = { type: 'angles', sessionId: this.row.id, ...this.pending };
    this.pending = { t: [], pelvisDeg: [], trunkDeg: [], lumbarDeg: [] };
    this.lastFrameAtMs = performance.now();
    if (this.subscribers.size === 0) return;
    const text = JSON.stringify(frame);
    for (const client of this.subscribers) client.sendAngles(frame, text);
  }

  private onEvent(event: AnalysisEvent): void {
    this.flushAngles();
    this.broadcast({ type: 'event', sessionId: this.row.id, event });
    switch (event.type) {
      case 'rep-completed':
        this.storeRep(event.rep);
        this.broadcastState();
        break;
      case 'calibrated':
        this.row = { ...this.row, calibration: { start: event.start, end: event.end } };
        this.persist();
        this.broadcastState();
        break;
      case 'set-completed':
        this.applySetSummaries([event.set]);
        this.broadcastState();
        break;
      case 'warning':
      case 'calibration-warning':
        this.warn(event.message);
        break;
      default:
        break;
    }
  }

  private storeRep(rep: RepReport): void {
    const setIndex = setIndexAt(this.sets, rep.start);
    this.save('saving a rep', () => this.deps.store.upsertRep(this.row.id, { ...rep, setIndex }));
    this.repCount++;
    this.repsPerSet.set(setIndex ?? 'none', (this.repsPerSet.get(setIndex ?? 'none') ?? 0) + 1);
  }

  private warn(message: string): void {
    if (this.row.warnings.includes(message) || this.row.warnings.length >= 50) return;
    this.row = { ...this.row, warnings: [...this.row.warnings, message] };
    this.persist();
  }

  private persist(): void {
    this.dirty = false;
    this.save('saving the session', () => this.deps.store.updateSession(this.row));
  }

  /** A database write. A failure (disk full, read-only) stops recording instead of escaping. */
  private save(what: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      this.storageFailed(`recording stopped: ${what} failed: ${describeStorageError(error)}; what was recorded before is kept`);
    }
  }

  /**
   * The data directory cannot be written: close the recording (what is on disk stays valid), tell
   * subscribers once (a warning event, and a problem in every later sensor status), keep streaming.
   */
  private storageFailed(problem: string): void {
    if (this.storageProblem) return;
    this.storageProblem = `${problem}; the live view goes on`;
    this.deps.log(`session ${this.row.id}: ${this.storageProblem}`);
    this.writer?.close();
    this.row = { ...this.row, warnings: [...this.row.warnings, this.storageProblem] };
    this.broadcast({ type: 'event', sessionId: this.row.id, event: { type: 'warning', t: this.row.lastT, message: this.storageProblem } });
    this.broadcastStatus();
  }

  // ---- subscribers ------------------------------------------------------------------------------

  subscribe(client: ClientChannel): void {
    this.subscribers.add(client);
    client.send({ type: 'session', session: this.state() });
    const status = this.sourceStatus();
    client.send({ type: 'sensor-status', sessionId: this.row.id, sensors: status.sensors, problems: status.problems });
  }

  unsubscribe(client: ClientChannel): void {
    this.subscribers.delete(client);
    client.forget(this.row.id);
  }

  private broadcast(message: Parameters<ClientChannel['send']>[0]): void {
    for (const client of this.subscribers) client.send(message);
  }

  broadcastState(): void {
    if (this.subscribers.size > 0) this.broadcast({ type: 'session', session: this.state() });
  }

  private broadcastStatus(): void {
    if (this.subscribers.size === 0) return;
    const status = this.sourceStatus();
    this.broadcast({ type: 'sensor-status', sessionId: this.row.id, sensors: status.sensors, problems: status.problems });
  }
}
