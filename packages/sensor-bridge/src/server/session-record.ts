// What the bridge stores and shows of a session is what the analysis emitted, nothing of its own:
// reps (with the analysis' set number), sets (started, ended, summarised), the calibration, the
// settings in force and the warnings. `SessionRecord` applies analysis events to the database row as
// they come (live); `storeAnalysisDocument` stores a whole document (crash recovery). Both give the
// same rows for the same recording.
import type { AnalysisDocument, AnalysisEvent, RepReport, SessionState } from '@hinge/protocol';
import type { SessionRow, SetRow, Store } from '../storage/store';

/** Warnings kept per session at most. */
const MAX_WARNINGS = 50;

/** The stored form of a rep: the analysis' report, its set number as the row's set index. */
export const repRecord = (rep: RepReport) => ({ ...rep, setIndex: rep.set ?? null });

/** Adds warnings not already there (at most MAX_WARNINGS). */
export function addWarnings(warnings: readonly string[], more: readonly string[]): string[] {
  const out = [...warnings];
  for (const w of more) if (!out.includes(w) && out.length < MAX_WARNINGS) out.push(w);
  return out;
}

/** The SessionState of a row and its sets, running or stored. */
export function sessionState(
  row: SessionRow,
  sets: readonly SetRow[],
  repsPerSet: ReadonlyMap<number | 'none', number>,
  capabilities: readonly string[],
): SessionState {
  const active = sets.find((s) => s.end === null) ?? null;
  const current = active ?? sets[sets.length - 1] ?? null;
  let repCount = 0;
  for (const n of repsPerSet.values()) repCount += n;
  return {
    id: row.id,
    patientId: row.patientId,
    label: row.label,
    exercise: row.exercise,
    status: row.status,
    settings: row.settings,
    source: row.source,
    capabilities: [...capabilities],
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    t: row.lastT,
    calibration: row.calibration,
    activeSet: active?.index ?? null,
    sets: sets.map((s) => ({ ...s, repCount: repsPerSet.get(s.index) ?? 0 })),
    repCount,
    setRepCount: current ? (repsPerSet.get(current.index) ?? 0) : 0,
    summary: row.summary,
    warnings: row.warnings,
    station: row.station,
  };
}

export function countRepsPerSet(reps: readonly { setIndex: number | null }[]): Map<number | 'none', number> {
  const counts = new Map<number | 'none', number>();
  for (const r of reps) counts.set(r.setIndex ?? 'none', (counts.get(r.setIndex ?? 'none') ?? 0) + 1);
  return counts;
}

/** Stores a whole analysis document as the session's reps, sets, calibration and settings (replacing what was there). */
export function storeAnalysisDocument(store: Store, row: SessionRow, doc: AnalysisDocument): SessionRow {
  store.transaction(() => {
    store.deleteReps(row.id);
    store.deleteSets(row.id);
    for (const rep of doc.reps) store.upsertRep(row.id, repRecord(rep));
    for (const set of doc.summary.sets ?? []) store.upsertSet(row.id, { index: set.index, start: set.start, end: set.end, summary: set });
  });
  return {
    ...row,
    summary: doc.summary,
    calibration: doc.calibrations[doc.calibrations.length - 1] ?? null,
    ...(doc.settings ? { settings: doc.settings } : {}),
    warnings: addWarnings(row.warnings, doc.warnings),
  };
}

/** Events a (re)connecting client needs to rebuild the live view (phase changes are not kept: they only matter as they happen). */
const SNAPSHOT_EVENTS = new Set<AnalysisEvent['type']>([
  'calibrated',
  'calibration-warning',
  'bend-axis',
  'calibration-bend',
  'alert',
  'rep-completed',
  'set-started',
  'set-ended',
  'set-completed',
  'settings',
  'annotation',
  'warning',
]);

/** The stored session of a running one, kept in step with the analysis events. */
export class SessionRecord {
  private sets: SetRow[];
  private repsPerSet: Map<number | 'none', number>;
  private readonly history: AnalysisEvent[] = [];
  /** The row changed (latest t) since it was last written to the database. */
  private dirty = false;

  /** `onStorageFailure`: a database write failed (disk full, read-only); it is reported there, never thrown. */
  constructor(
    private current: SessionRow,
    private readonly store: Store,
    private readonly onStorageFailure: (what: string, error: unknown) => void,
  ) {
    this.sets = store.listSets(current.id);
    this.repsPerSet = countRepsPerSet(store.listReps(current.id));
  }

  get row(): SessionRow {
    return this.current;
  }

  get activeSet(): number | null {
    return this.sets.find((s) => s.end === null)?.index ?? null;
  }

  /** Reps the analysis has put in set `index` so far. */
  repsInSet(index: number): number {
    return this.repsPerSet.get(index) ?? 0;
  }

  state(capabilities: readonly string[]): SessionState {
    return sessionState(this.current, this.sets, this.repsPerSet, capabilities);
  }

  /** Everything emitted so far that a client rebuilding the live view needs, in order. */
  snapshot(): AnalysisEvent[] {
    return [...this.history];
  }

  /** Lifecycle fields (status, source, recording, times) and settings before the first line: written at once. */
  update(patch: Partial<SessionRow>): void {
    this.current = { ...this.current, ...patch };
    this.persist();
  }

  /** The latest recording time; written with the next change or by flushIfDirty(). */
  setLastT(t: number): void {
    if (t <= this.current.lastT) return;
    this.current = { ...this.current, lastT: t };
    this.dirty = true;
  }

  flushIfDirty(): void {
    if (this.dirty) this.persist();
  }

  /** Applies one analysis event. Returns true when the session state changed (clients should hear). */
  apply(event: AnalysisEvent): boolean {
    if (SNAPSHOT_EVENTS.has(event.type)) this.history.push(event);
    switch (event.type) {
      case 'rep-completed': {
        const record = repRecord(event.rep);
        this.save('saving a rep', () => this.store.upsertRep(this.current.id, record));
        this.repsPerSet.set(record.setIndex ?? 'none', (this.repsPerSet.get(record.setIndex ?? 'none') ?? 0) + 1);
        return true;
      }
      case 'set-started':
        this.putSet({ index: event.index, start: event.start, end: null, summary: null });
        return true;
      case 'set-ended': {
        const set = this.sets.find((s) => s.index === event.index);
        if (set) this.putSet({ ...set, end: event.end });
        return true;
      }
      case 'set-completed':
        this.putSet({ index: event.set.index, start: event.set.start, end: event.set.end, summary: event.set });
        return true;
      case 'calibrated':
        this.update({ calibration: { start: event.start, end: event.end } });
        return true;
      case 'settings':
        this.update({ settings: event.settings });
        return true;
      case 'warning':
      case 'calibration-warning':
        this.warn([event.message]);
        return false;
      default:
        return false;
    }
  }

  warn(messages: readonly string[]): void {
    const warnings = addWarnings(this.current.warnings, messages);
    if (warnings.length !== this.current.warnings.length) this.update({ warnings });
  }

  private putSet(set: SetRow): void {
    const i = this.sets.findIndex((s) => s.index === set.index);
    if (i >= 0) this.sets[i] = set;
    else this.sets.push(set);
    this.save('saving the set', () => this.store.upsertSet(this.current.id, set));
  }

  private persist(): void {
    this.dirty = false;
    this.save('saving the session', () => this.store.updateSession(this.current));
  }

  private save(what: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      this.onStorageFailure(what, error);
    }
  }
}
