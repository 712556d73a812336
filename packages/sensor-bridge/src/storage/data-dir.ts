// The bridge keeps everything in one data directory: the SQLite database, the recordings it points
// to, and the access token. Default: $HINGE_DATA_DIR, else ~/.hinge (docs/server.md).
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface DataDirLayout {
  root: string;
  database: string;
  recordings: string;
  accessToken: string;
  /** The bridge's structured log (JSON lines, appended). */
  log: string;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.HINGE_DATA_DIR;
  return fromEnv && fromEnv.trim() !== '' ? path.resolve(fromEnv) : path.join(homedir(), '.hinge');
}

/** Directories and files of the data directory: the owner's only (patient names, notes, recordings). */
const OWNER_ONLY_DIR = 0o700;
const OWNER_ONLY_FILE = 0o600;

/** Makes a directory and the files directly in it owner-only, whatever their mode was (an existing 755 folder). */
function ownerOnly(dir: string): void {
  if ((statSync(dir).mode & 0o777) !== OWNER_ONLY_DIR) chmodSync(dir, OWNER_ONLY_DIR);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(dir, entry.name);
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, OWNER_ONLY_FILE);
  }
}

/**
 * mkdir -p, owner-only. Node's recursive mkdir reports ENOENT when a folder cannot be made on a
 * read-only file system (or without permission); then the folders are made one by one, so the error
 * says what is wrong (EROFS, EACCES) and start-up can tell the clinician.
 */
function makeDirs(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: OWNER_ONLY_DIR });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const parent = path.dirname(dir);
    if (parent !== dir && !existsSync(parent)) makeDirs(parent);
    mkdirSync(dir, { mode: OWNER_ONLY_DIR });
  }
}

/** Creates the directory tree if needed, makes it owner-only (also when it existed) and names its parts. */
export function prepareDataDir(root: string): DataDirLayout {
  const layout: DataDirLayout = {
    root: path.resolve(root),
    database: path.join(root, 'hinge.sqlite'),
    recordings: path.join(root, 'recordings'),
    accessToken: path.join(root, 'access-token'),
    log: path.join(root, 'hinge.log'),
  };
  makeDirs(layout.recordings);
  ownerOnly(layout.root);
  ownerOnly(layout.recordings);
  return layout;
}
