// One running session: its lifecycle (assign a source, calibrate, start and stop sets, change settings,
// stop) over three parts the timeline makes obvious:
//   SessionTimeline (session-timeline.ts): source lines and control lines -> recording + analysis, one path
//   SessionRecord   (session-record.ts):   analysis events -> database row, sets, reps (what it stores and shows)
//   SessionFanout   (session-fanout.ts):   angle frames, events, state -> subscribed clients
// A control action is an event line in the recording (`calibrate`, `set-start`, `set-end`, `settings`,
// `annotation`);
// the state clients see changes only when the analysis has interpreted it.
// Storage failures (disk full, read-only database) are caught where they happen, never thrown into a
// timer or a source callback: recording stops cleanly, what was written is kept, the clinician sees a
// problem, and the live view goes on.
import path from 'node:path';
import type { AnalysisEvent, Annotation, PatientSettings, RecordingHeader, RecordingLine, SessionState, SettingsPatch, SourceSpec } from '@hinge/protocol';
import { annotationProblem, normalizeAnnotation, settingsProblems } from '@hinge/protocol';
import { RecordingWriter } from '../recording/writer';
import type { SensorSource, SourceStatus } from '../sources/source';
import type { SessionRow, Store } from '../storage/store';
import type { DataDirLayout } from '../storage/data-dir';
import { storedRecordingPath } from '../storage/archive';
import type { ClientChannel } from './client-channel';
import { HingeError } from './errors';
import { SessionFanout } from './session-fanout';
import { SessionRecord } from './session-record';
import { SessionTimeline, type AnalyzerFactory } from './session-timeline';
import { SOFTWARE } from '../software';
import { describeStorageError } from '../storage/storage-error';
import { localDate } from '../report/local-time';

export { MIN_FRAME_INTERVAL_MS } from './session-fanout';
export type { AnalyzerFactory, StreamingAnalyzer } from './session-timeline';

/** Sensor status is pushed to subscribers this often, ms. */
export const STATUS_INTERVAL_MS = 1000;

export interface LiveSessionDeps {
  store: Store;
  layout: Pick<DataDirLayout, 'root' | 'recordings'>;
  createAnalyzer: AnalyzerFactory;
  /** Called when the session stops by itself (its source ended) or is stopped. */
  onStopped(session: LiveSession): void;
  log(message: string): void;
}

/** The recording header of a session: the source's sensors plus everything in force at t = 0. */
export function sessionHeader(sourceHeader: RecordingHeader, row: SessionRow): RecordingHeader {
  return {
    ...sourceHeader,
    exercise: row.exercise,
    subject: { ...sourceHeader.subject, ...(row.settings.painLevel !== null ? { painLevel: row.settings.painLevel } : {}) },
    session: { id: row.id, patientId: row.patientId },
    settings: { ...row.settings },
    setsFrom: 'events',
    // Analysed live: re-analysis calibrates as the live analysis did (no offline best-still fallback).
    calibrationRule: 'live',
    software: SOFTWARE,
  };
}

export class LiveSession {
  private source: SensorSource | null = null;
  private timeline: SessionTimeline | null = null;
  private readonly record: SessionRecord;
  private readonly fanout: SessionFanout;
  private statusTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  /** Why recording stopped (disk full, database unwritable); null while it records. Shown as a problem. */
  private storageProblem: string | null = null;

  constructor(row: SessionRow, private readonly deps: LiveSessionDeps) {
    this.record = new SessionRecord(row, deps.store, (what, error) =>
      this.storageFailed(`recording stopped: ${what} failed: ${describeStorageError(error)}; what was recorded before is kept`),
    );
    this.fanout = new SessionFanout(row.id);
  }

  get id(): string {
    return this.record.row.id;
  }

  get status(): SessionRow['status'] {
    return this.record.row.status;
  }

  get capabilities(): readonly string[] {
    return this.source?.capabilities ?? [];
  }

  get label(): string {
    return this.record.row.label;
  }

  state(): SessionState {
    return this.record.state(this.capabilities);
  }

  sourceStatus(): SourceStatus {
    const status = this.source?.status() ?? { sensors: [], problems: [] };
    return this.storageProblem ? { ...status, problems: [...status.problems, this.storageProblem] } : status;
  }

  /** Why recording stopped, or null while it records (observable for tests). */
  get recordingProblem(): string | null {
    return this.storageProblem;
  }

  /** Assigns the sensors and starts streaming, recording and analysing. */
  async attachSource(spec: SourceSpec, source: SensorSource): Promise<void> {
    if (this.status !== 'created' || this.source) throw new HingeError('HINGE_ERR_SESSION_HAS_SOURCE', 409);
    this.source = source;
    let sourceHeader: RecordingHeader;
    try {
      sourceHeader = await source.start({
        lines: (batch) => this.onLines(batch),
        statusChanged: () => this.broadcastStatus(),
        ended: (reason) => {
          this.deps.log(`session ${this.id}: ${reason}`);
          this.stop().catch((error: Error) => this.deps.log(`session ${this.id}: stop failed: ${error.message}`));
        },
      });
    } catch (error) {
      this.source = null;
      throw new HingeError('HINGE_ERR_SOURCE', 422, (error as Error).message);
    }
    source.follow?.({ event: 'settings', settings: this.record.row.settings });
    const header = sessionHeader(sourceHeader, this.record.row);
    const file = path.join(this.deps.layout.recordings, `${localDate(new Date(header.startedAt))}_${this.id}.jsonl.gz`);
    let writer: RecordingWriter;
    try {
      writer = new RecordingWriter(file, header, { onError: (error) => this.storageFailed(error.message) });
    } catch (error) {
      await source.stop();
      this.source = null;
      throw new HingeError('HINGE_ERR_STORAGE', 507, `the recording cannot be created: ${describeStorageError(error)}`);
    }
    this.timeline = new SessionTimeline(writer, this.deps.createAnalyzer(header), header);
    this.record.update({ status: 'live', source: spec, recordingPath: storedRecordingPath(this.deps.layout.root, file), startedAt: header.startedAt });
    this.statusTimer = setInterval(() => {
      this.broadcastStatus();
      this.record.flushIfDirty();
    }, STATUS_INTERVAL_MS);
    this.statusTimer.unref();
    this.broadcastState();
  }

  private liveTimeline(): SessionTimeline {
    if (this.status !== 'live' || !this.timeline) throw new HingeError('HINGE_ERR_SESSION_NOT_LIVE', 409);
    return this.timeline;
  }

  /**
   * A control action: an event line through the timeline, then whatever the analysis made of it; a
   * source whose simulated person follows the session hears it too.
   */
  private control(event: 'calibrate' | 'set-start' | 'set-end' | 'settings', fields: { detail?: unknown; settings?: SettingsPatch } = {}): void {
    this.liveTimeline().control(event, fields);
    this.source?.follow?.({ event, settings: { ...this.record.row.settings, ...fields.settings } });
    this.drainAnalysis();
  }

  calibrate(): void {
    this.control('calibrate', { detail: { kind: 'standing' } });
  }

  startSet(): void {
    this.liveTimeline();
    if (this.record.activeSet !== null) throw new HingeError('HINGE_ERR_SET_RUNNING', 409);
    this.control('set-start');
  }

  stopSet(): void {
    this.liveTimeline();
    if (this.record.activeSet === null) throw new HingeError('HINGE_ERR_NO_SET', 409);
    this.endSet('clinician');
  }

  /** A `set-end` line; `detail` says which set the bridge saw running and why it ended (the analysis numbers sets itself). */
  private endSet(reason: 'clinician' | 'target' | 'session-stopped'): void {
    this.control('set-end', { detail: { index: this.record.activeSet, reason } });
  }

  /** A set ends by itself once it holds the target number of reps (a `set-end` line with reason `target`, so a replay agrees). */
  private endSetAtTarget(): void {
    const running = this.record.activeSet;
    if (running === null || this.status !== 'live' || this.stopping) return;
    if (this.record.repsInSet(running) >= this.record.row.settings.targetReps) this.endSet('target');
  }

  /**
   * Changes settings. Before the source starts they become the header's (t = 0); once live they are a
   * `settings` line the analysis applies from its time on. Out-of-bounds values are refused.
   */
  updateSettings(patch: SettingsPatch): void {
    if (this.status === 'stopped' || this.status === 'interrupted') throw new HingeError('HINGE_ERR_SESSION_NOT_LIVE', 409);
    const problems = settingsProblems(patch);
    if (problems.length > 0) throw new HingeError('HINGE_ERR_BAD_MESSAGE', 400, problems.join('; '));
    if (this.status === 'created') {
      this.record.update({ settings: { ...this.record.row.settings, ...patch } as PatientSettings });
      this.broadcastState();
    } else {
      this.control('settings', { settings: { ...patch } });
    }
  }

  /**
   * A clinician's note at the time the analysis has reached: an `annotation` line. The text is trimmed
   * and checked (one line, at most ANNOTATION_MAX_CHARS); the error never quotes it (patient data).
   */
  annotate(text: string): Annotation {
    this.liveTimeline();
    const note = normalizeAnnotation(text);
    const problem = annotationProblem(note);
    if (problem) throw new HingeError('HINGE_ERR_BAD_MESSAGE', 400, problem);
    const line = this.liveTimeline().control('annotation', { text: note });
    this.drainAnalysis();
    return { t: line.t, text: note };
  }

  seek(t: number): void {
    this.liveTimeline();
    if (!this.source?.seek || !this.capabilities.includes('seek')) throw new HingeError('HINGE_ERR_NOT_SUPPORTED', 409, 'seek');
    this.source.seek(t);
  }

  setSpeed(speed: number): void {
    this.liveTimeline();
    if (!this.source?.setSpeed || !this.capabilities.includes('speed')) throw new HingeError('HINGE_ERR_NOT_SUPPORTED', 409, 'speed');
    this.source.setSpeed(speed);
  }

  /** Stops the source, closes the recording, stores the summary. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const timeline = this.timeline;
    if (this.status !== 'live' || !timeline) {
      if (this.status === 'created') this.record.update({ status: 'stopped', endedAt: new Date().toISOString() });
      this.deps.onStopped(this);
      return;
    }
    try {
      await this.source?.stop();
    } catch (error) {
      this.deps.log(`session ${this.id}: the source did not stop cleanly: ${(error as Error).message}`);
    }
    if (this.record.activeSet !== null) timeline.control('set-end', { detail: { index: this.record.activeSet, reason: 'session-stopped' } });
    if (this.statusTimer) clearInterval(this.statusTimer);
    let summary = null;
    try {
      const doc = timeline.finish();
      this.drainAnalysis();
      summary = doc.summary;
      this.record.warn(doc.warnings);
    } catch (error) {
      this.record.warn([`analysis could not finish: ${(error as Error).message}`]);
    }
    if (this.storageProblem) this.record.warn([this.storageProblem]);
    this.fanout.close();
    this.record.update({ status: 'stopped', endedAt: new Date().toISOString(), summary });
    this.broadcastState();
    this.broadcastStatus();
    this.deps.onStopped(this);
  }

  /** Called from the source's own timers and callbacks: nothing may be thrown back into them. */
  private onLines(batch: RecordingLine[]): void {
    if (!this.timeline) return;
    try {
      this.timeline.push(batch);
      this.record.setLastT(this.timeline.lastSampleT);
      this.drainAnalysis();
    } catch (error) {
      this.deps.log(`session ${this.id}: a batch of samples failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  /**
   * The data directory cannot be written: close the recording (what is on disk stays valid), tell
   * subscribers once (a warning event, and a problem in every later sensor status), keep streaming.
   */
  private storageFailed(problem: string): void {
    if (this.storageProblem) return;
    this.storageProblem = `${problem}; the live view goes on`;
    this.deps.log(`session ${this.id}: ${this.storageProblem}`);
    this.timeline?.stopRecording();
    this.record.warn([this.storageProblem]);
    this.fanout.send({ type: 'event', sessionId: this.id, event: { type: 'warning', t: this.record.row.lastT, message: this.storageProblem } });
    this.broadcastStatus();
  }

  /** Angles to the clients; events to the record (database) and the clients. */
  private drainAnalysis(): void {
    if (!this.timeline) return;
    this.fanout.addAngles(this.timeline.takeAngles());
    let changed = false;
    for (const event of this.timeline.takeEvents()) changed = this.onEvent(event) || changed;
    if (changed) this.broadcastState();
    this.endSetAtTarget();
  }

  private onEvent(event: AnalysisEvent): boolean {
    this.fanout.flushAngles();
    this.fanout.send({ type: 'event', sessionId: this.id, event });
    return this.record.apply(event);
  }

  // ---- subscribers ------------------------------------------------------------------------------

  /** A client (re)joins: the state, everything the analysis has emitted so far, and the sensors. */
  subscribe(client: ClientChannel): void {
    this.fanout.add(client);
    client.send({ type: 'session', session: this.state() });
    client.send({ type: 'snapshot', sessionId: this.id, events: this.record.snapshot() });
    const status = this.sourceStatus();
    client.send({ type: 'sensor-status', sessionId: this.id, sensors: status.sensors, problems: status.problems });
  }

  unsubscribe(client: ClientChannel): void {
    this.fanout.remove(client);
    client.forget(this.id);
  }

  broadcastState(): void {
    if (this.fanout.size > 0) this.fanout.send({ type: 'session', session: this.state() });
  }

  private broadcastStatus(): void {
    if (this.fanout.size === 0) return;
    const status = this.sourceStatus();
    this.fanout.send({ type: 'sensor-status', sessionId: this.id, sensors: status.sensors, problems: status.problems });
  }
}
