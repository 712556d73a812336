// Where finished sessions are read from, for review, reports and exports: the station's own SQLite and
// files (localArchive), or the clinic's PostgreSQL with recordings reassembled from pushed chunks
// (ClinicDb). The routes read through this interface only, so a review-only bridge serves any
// session of the clinic the same way a station serves its own.
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Patient, RepRecord, SessionStatus } from '@hinge/protocol';
import type { PainReport, SessionRow, SetRow, Store } from './store';

export interface RecordingCopy {
  /** A readable recording file (.jsonl or .jsonl.gz, as the station wrote it). */
  file: string;
  /** Removes a temporary copy (nothing for a station's own file). */
  release(): Promise<void>;
}

export interface SessionFilter {
  patientId?: string;
  status?: SessionStatus;
}

export interface Archive {
  listPatients(): Promise<Patient[]>;
  getPatient(id: string): Promise<Patient | null>;
  listSessions(filter?: SessionFilter): Promise<SessionRow[]>;
  getSession(id: string): Promise<SessionRow | null>;
  listSets(sessionId: string): Promise<SetRow[]>;
  listReps(sessionId: string): Promise<RepRecord[]>;
  listPainReports(sessionId: string): Promise<PainReport[]>;
  /** The session's recording, or null when there is none (never recorded, file gone, nothing pushed). */
  recording(row: SessionRow): Promise<RecordingCopy | null>;
}

/** A recording path as stored: absolute, or relative to the data directory. */
export const resolveRecordingPath = (dataDir: string, recordingPath: string): string => path.resolve(dataDir, recordingPath);

/**
 * How the database names a recording: relative to the data directory when it lies inside it, so a
 * copied or moved data directory (the README's backup advice) still finds its recordings.
 */
export function storedRecordingPath(dataDir: string, file: string): string {
  const relative = path.relative(path.resolve(dataDir), path.resolve(file));
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(file) : relative;
}

/** The station's own database and recording files. */
export function localArchive(store: Store, dataDir: string): Archive {
  return {
    listPatients: async () => store.listPatients(),
    getPatient: async (id) => store.getPatient(id),
    listSessions: async (filter = {}) => store.listSessions(filter),
    getSession: async (id) => store.getSession(id),
    listSets: async (id) => store.listSets(id),
    listReps: async (id) => store.listReps(id),
    listPainReports: async (id) => store.listPainReports(id),
    recording: async (row) => {
      if (!row.recordingPath) return null;
      const file = resolveRecordingPath(dataDir, row.recordingPath);
      return existsSync(file) ? { file, release: async () => {} } : null;
    },
  };
}
