// Where the clinic database's connection string comes from: `--database-file FILE` (a file holding
// it, readable by the bridge's user only) or $HINGE_DATABASE_URL. Never the command line itself,
// where `ps` would show the password to every user of the machine (docs/clinic.md).
import { CliError, readTextFile } from './command';

export const CLINIC_OPTIONS_USAGE = `  --database-file FILE     the clinic's PostgreSQL: a file holding its connection string
                           (else $HINGE_DATABASE_URL; postgres://user:pass@host/db?sslmode=verify-full)
`;

export function clinicDatabaseUrl(databaseFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  if (databaseFile !== undefined) {
    const url = readTextFile(databaseFile, '--database-file').trim();
    if (!/^postgres(ql)?:\/\//.test(url)) throw new CliError('HINGE_ERR_BAD_INPUT', `--database-file ${databaseFile} does not hold a postgres:// connection string`);
    return url;
  }
  const fromEnv = env.HINGE_DATABASE_URL?.trim();
  if (fromEnv) {
    if (!/^postgres(ql)?:\/\//.test(fromEnv)) throw new CliError('HINGE_ERR_BAD_INPUT', 'HINGE_DATABASE_URL is not a postgres:// connection string');
    return fromEnv;
  }
  return null;
}

/** The connection string without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}
