// What a failed write to the data directory means, in words a clinician can act on. SQLite
// (better-sqlite3) and the file system name the same failures differently.

export type StorageFailure = 'disk full' | 'read-only' | 'i/o error' | 'not a folder' | 'other';

export function storageFailureOf(error: unknown): StorageFailure {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return 'disk full';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) return 'read-only';
  if (code === 'EIO' || code.startsWith('SQLITE_IOERR')) return 'i/o error';
  // The data directory (or a folder on its path) is a file.
  if (code === 'ENOTDIR') return 'not a folder';
  return 'other';
}

/** True for errors of the storage itself (as opposed to bugs): SQLite's codes and the file system's. */
export function isStorageError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return code.startsWith('SQLITE_') || storageFailureOf(error) !== 'other';
}

/** "disk full (SQLITE_FULL)": the failure and its code, no paths. */
export function describeStorageError(error: unknown): string {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const kind = storageFailureOf(error);
  const what = kind === 'other' ? 'write failed' : kind;
  return code ? `${what} (${code})` : what;
}
