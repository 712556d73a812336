// `hinge db`: the clinic database (docs/clinic.md). `migrate` brings its schema up to date; `push`
// sends a station's existing database and recordings (idempotent: run it again and nothing is sent
// twice); `merge-patients` makes an offline duplicate one with the patient it duplicates.
import { ClinicDb } from '../../storage/clinic-db';
import { defaultDataDir, prepareDataDir } from '../../storage/data-dir';
import { Pusher } from '../../storage/pusher';
import { isStorageError } from '../../storage/storage-error';
import { Store } from '../../storage/store';
import { CLINIC_OPTIONS_USAGE, clinicDatabaseUrl, redactedUrl } from '../clinic-options';
import { CliError, parseCommandArgs, type Command } from '../command';

const usage = `usage: hinge db <migrate | push | merge-patients DUPLICATE_ID INTO_ID> [options]

  migrate                  create or upgrade the clinic database's tables (needs a role that may)
  push                     send this station's patients, sessions and recordings to the clinic database;
                           safe to repeat (nothing is sent twice); stop the station's bridge first
  merge-patients DUP INTO  DUP (an accidental duplicate) becomes INTO: its sessions move, its id stays an alias

options:
  --data-dir DIR           the station's data directory (push; default $HINGE_DATA_DIR or ~/.hinge)
${CLINIC_OPTIONS_USAGE}`;

export const dbCommand: Command = {
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { 'data-dir': { type: 'string' }, 'database-file': { type: 'string' } }, usage);
    const [action, ...rest] = positionals;
    const url = clinicDatabaseUrl(values['database-file']);
    if (!url) throw new CliError('HINGE_ERR_USAGE', `no clinic database: set HINGE_DATABASE_URL or pass --database-file FILE\n\n${usage}`);
    const clinic = new ClinicDb(url);
    try {
      switch (action) {
        case 'migrate': {
          const version = await clinic.migrate();
          io.out.write(`clinic database ${redactedUrl(url)}: schema version ${version}\n`);
          return 0;
        }
        case 'push':
          return await push(clinic, values['data-dir'] ?? defaultDataDir(), io.out, io.err);
        case 'merge-patients': {
          const [duplicateId, intoId] = rest;
          if (!duplicateId || !intoId || rest.length !== 2) throw new CliError('HINGE_ERR_USAGE', `merge-patients needs DUPLICATE_ID INTO_ID\n\n${usage}`);
          await clinic.requireCurrentSchema();
          const patient = await clinic.mergePatient(duplicateId, intoId);
          io.out.write(`${duplicateId} merged into ${patient.id} (${patient.name})\n`);
          return 0;
        }
        default:
          throw new CliError('HINGE_ERR_USAGE', `unknown action "${action ?? ''}"\n\n${usage}`);
      }
    } catch (error) {
      // The station's own disk (push) is HINGE_ERR_STORAGE, printed by main.ts; the rest is the clinic database's.
      if (error instanceof CliError || isStorageError(error)) throw error;
      throw new CliError('HINGE_ERR_CLINIC_DB', `clinic database ${redactedUrl(url)}: ${(error as Error).message}`);
    } finally {
      await clinic.close();
    }
  },
};

async function push(clinic: ClinicDb, dataDir: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const layout = prepareDataDir(dataDir);
  const store = new Store(layout.database);
  try {
    const pusher = new Pusher({ store, clinic, dataDir: layout.root, log: (m) => err.write(`${m}\n`) });
    const queued = store.outboxSize;
    const ok = await pusher.drain();
    const s = pusher.stats;
    out.write(
      `${layout.root}: ${queued} queued changes; pushed ${s.rowsPushed} rows, ${s.chunksPushed} recording chunks ` +
        `(${s.recordingBytesPushed} bytes, ${s.storedBytesPushed} stored)\n`,
    );
    if (!ok) throw new CliError('HINGE_ERR_CLINIC_DB', `push stopped: ${s.lastError ?? 'unknown error'}; what was not pushed stays queued`);
    return 0;
  } finally {
    store.close();
  }
}
