// The bridge keeps everything in one data directory: the SQLite database, the recordings it points
// to, and the access token. Default: $HINGE_DATA_DIR, else ~/.hinge (docs/server.md).
import { mkdirSync } from 'node:fs';
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

/** Creates the directory tree if needed (owner-only permissions) and names its parts. */
export function prepareDataDir(root: string): DataDirLayout {
  const layout: DataDirLayout = {
    root: path.resolve(root),
    database: path.join(root, 'hinge.sqlite'),
    recordings: path.join(root, 'recordings'),
    accessToken: path.join(root, 'access-token'),
    log: path.join(root, 'hinge.log'),
  };
  mkdirSync(layout.recordings, { recursive: true, mode: 0o700 });
  return layout;
}
