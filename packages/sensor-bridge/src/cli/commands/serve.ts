// `hinge serve`: the bridge as a server. With no arguments it is the demo: a simulated patient who
// follows the session, with the demo autopilot playing the clinician (calibrate, sets, rests, end; then
// the next session), and the dashboard at the printed URL.
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceSpec } from '@hinge/protocol';
import { buildApp } from '../../server/app';
import { tuneBridgeHeap } from '../../server/bridge-heap';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS, type LogLevel } from '../../server/logger';
import { defaultDataDir } from '../../storage/data-dir';
import { CliError, parseCommandArgs, requireFile, type Command } from '../command';
import { CLINIC_OPTIONS_USAGE, clinicDatabaseUrl, redactedUrl } from '../clinic-options';
import { startDemoAutopilot } from '../demo-autopilot';
import type { SessionHub } from '../../server/session-hub';
import { localDateTime } from '../../report/local-time';

export const DEFAULT_PORT = 4173;
/** The repository this code runs from (the folder with pnpm-workspace.yaml), whether from source or the bundle. */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'pnpm-workspace.yaml')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const repoRoot = findRepoRoot();
const fixturesDir = path.join(repoRoot, 'fixtures');

const usage = `usage: hinge serve [options]

Runs the bridge: REST API, WebSocket stream and the dashboard. With no source option it is the demo:
a simulated patient, and a demo autopilot in the clinician's place that calibrates, runs the target
sets with rests between them, ends the session and starts the next one (the session label says so).
With --simulate the simulated patient waits for you: calibrate and start the sets in the dashboard.

options:
  --port N                 port (default ${DEFAULT_PORT})
  --host ADDR              interface (default 127.0.0.1; any other needs the access token, printed at first start)
  --replay FILE            replay this recording into a session
  --speed N                replay or simulator speed, 1 = real time (default 1)
  --loop                   replay in a loop (a replay starts its first set at once; it cannot follow)
  --simulate               a simulated patient who follows the session (you calibrate and start sets)
  --seed N                 simulator seed
  --sacrum ADDR --thoracic ADDR   live Bluetooth sensors
  --data-dir DIR           where the database and recordings live (default $HINGE_DATA_DIR or ~/.hinge)
  --dashboard DIR          the built dashboard (default packages/dashboard/dist)
  --allow-origin URL       another browser origin allowed to open the stream and change state (repeatable)
  --allowed-host NAME      a host name the bridge answers to besides loopback and --host (repeatable;
                           e.g. bridge.clinic.lan; other names are refused against DNS rebinding)
  --no-session             start no session (clinicians create them from the dashboard; a --replay FILE
                           is then offered to them by its name)
  --log-level LEVEL        ${LOG_LEVELS.join(', ')} (default ${DEFAULT_LOG_LEVEL}); the log is also appended
                           to hinge.log in the data directory

clinic (docs/clinic.md):
  --station NAME           this station's name, kept with its sessions; with a clinic database the
                           station pushes everything to it in the background
  --review                 a review desk: every session of the clinic database, no sensors, no recording
${CLINIC_OPTIONS_USAGE}`;

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new CliError('HINGE_ERR_USAGE', `--${name} must be a positive number, not "${value}"`);
  return n;
}

/** TCP port: a whole number 1-65535 (0 asks the system for a free one). */
export function portOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new CliError('HINGE_ERR_USAGE', `--port must be a whole number from 1 to 65535 (0: any free port), not "${value}"`);
  return n;
}

function existingRecording(replay: string): string {
  requireFile(replay, 'recording');
  return path.resolve(replay);
}

/** What feeds the first session, from the options; null when none should start; 'demo' for the demo. */
function sourceFromOptions(values: Record<string, string | boolean | string[] | undefined>, replayFiles: string[]): SourceSpec | 'demo' | null {
  const speed = numberOption(values.speed as string | undefined, 'speed', 1);
  if (values['no-session']) {
    // No session now, but a --replay FILE is still offered to the sessions clinicians create.
    if (values.replay !== undefined) replayFiles.push(existingRecording(values.replay as string));
    return null;
  }
  const sacrum = values.sacrum as string | undefined;
  const thoracic = values.thoracic as string | undefined;
  if (sacrum !== undefined || thoracic !== undefined) {
    if (!sacrum || !thoracic) throw new CliError('HINGE_ERR_USAGE', 'live sensors need both --sacrum ADDR and --thoracic ADDR');
    return { kind: 'ble', sacrum, thoracic };
  }
  if (values.simulate) {
    const seed = values.seed === undefined ? undefined : Math.trunc(numberOption(values.seed as string, 'seed', 1));
    return { kind: 'simulator', ...(seed !== undefined ? { seed } : {}) };
  }
  const replay = values.replay as string | undefined;
  if (replay !== undefined) {
    const file = existingRecording(replay);
    replayFiles.push(file); // this file alone: the rest of its folder is not offered to clients
    return { kind: 'replay', recording: path.basename(file), speed, loop: Boolean(values.loop) };
  }
  return 'demo';
}

/** One demo session after another: a simulated patient, the autopilot in the clinician's place. */
async function startDemoSession(hub: SessionHub, patientId: string, log: (message: string) => void, closing: () => boolean): Promise<void> {
  const session = await hub.createSession({ patientId, label: `Demo ${localDateTime(new Date())} (autopilot: calibrates, starts the sets, ends)`, source: { kind: 'simulator' } });
  log(`session ${session.id}: demo, a simulated patient with the autopilot in the clinician's place`);
  startDemoAutopilot(
    session,
    () => {
      if (closing()) return;
      startDemoSession(hub, patientId, log, closing).catch((error: Error) => log(`could not start the next demo session: ${error.message}`));
    },
    log,
  );
}

export const serveCommand: Command = {
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        replay: { type: 'string' },
        speed: { type: 'string' },
        loop: { type: 'boolean' },
        simulate: { type: 'boolean' },
        seed: { type: 'string' },
        sacrum: { type: 'string' },
        thoracic: { type: 'string' },
        'data-dir': { type: 'string' },
        dashboard: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allowed-host': { type: 'string', multiple: true },
        'no-session': { type: 'boolean' },
        'log-level': { type: 'string' },
        station: { type: 'string' },
        review: { type: 'boolean' },
        'database-file': { type: 'string' },
        'database-url': { type: 'string' },
      },
      usage,
      false,
    );
    if (values['database-url'] !== undefined) {
      throw new CliError('HINGE_ERR_USAGE', 'the connection string is not taken from the command line (ps shows it to everyone); use --database-file FILE or HINGE_DATABASE_URL');
    }
    const clinicUrl = clinicDatabaseUrl(values['database-file']);
    if (values.review && !clinicUrl) throw new CliError('HINGE_ERR_USAGE', '--review needs the clinic database: --database-file FILE or HINGE_DATABASE_URL');
    if (values.review) values['no-session'] = true;
    const port = portOption(values.port);
    const host = values.host ?? '127.0.0.1';
    const replayDirs = [fixturesDir];
    const replayFiles: string[] = [];
    const source = sourceFromOptions(values, replayFiles);
    const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
    const dashboardDir = values.dashboard ? path.resolve(values.dashboard) : path.join(repoRoot, 'packages/dashboard/dist');

    const level = values['log-level'] ?? DEFAULT_LOG_LEVEL;
    if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new CliError('HINGE_ERR_USAGE', `--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${level}"`);

    tuneBridgeHeap();
    const app = await buildApp({
      dataDir,
      host,
      dashboardDir,
      replayDirs,
      replayFiles,
      allowedOrigins: values['allow-origin'] ?? [],
      log: { level: level as LogLevel, terminal: io.err },
      allowedHosts: values['allowed-host'] ?? [],
      ...(clinicUrl ? { clinicDatabaseUrl: clinicUrl } : {}),
      ...(values.station ? { station: values.station } : {}),
      reviewOnly: values.review ?? false,
    });
    const { bridge } = app;
    try {
      await app.listen({ port, host });
    } catch (error) {
      await app.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CliError('HINGE_ERR_CANNOT_LISTEN', `port ${port} on ${host} is already in use (another hinge serve?); stop it or choose another with --port`);
      if (code === 'EACCES') throw new CliError('HINGE_ERR_CANNOT_LISTEN', `not allowed to listen on ${host}:${port} (ports below 1024 need root); choose another with --port`);
      if (code === 'EADDRNOTAVAIL') throw new CliError('HINGE_ERR_CANNOT_LISTEN', `${host} is not an address of this computer; use --host 127.0.0.1 or 0.0.0.0`);
      throw new CliError('HINGE_ERR_CANNOT_LISTEN', `cannot listen on ${host}:${port}: ${(error as Error).message}`);
    }
    for (const id of bridge.recovered) io.err.write(`session ${id} had been interrupted; it is closed and marked interrupted\n`);
    let closing = false;
    if (source) {
      const patients = bridge.store.listPatients();
      const patient = patients.find((p) => p.name === 'Demo patient') ?? bridge.hub.createPatient({ name: 'Demo patient', notes: 'created by hinge serve' });
      const kind = source === 'demo' ? 'demo' : source.kind;
      try {
        if (source === 'demo') {
          await startDemoSession(bridge.hub, patient.id, (message) => io.err.write(`${message}\n`), () => closing);
        } else {
          const session = await bridge.hub.createSession({ patientId: patient.id, label: `${source.kind} ${localDateTime(new Date())}`, source });
          // A replay cannot follow the clinician: its first set starts at once. A simulated patient waits.
          if (source.kind === 'replay') session.startSet();
          io.err.write(`session ${session.id}: streaming from ${source.kind}${source.kind === 'replay' ? ` ${source.recording}` : ''}\n`);
        }
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        io.err.write(`could not start the ${kind} session: ${typeof code === 'string' && code.startsWith('HINGE_ERR_') ? `${code}: ` : ''}${(error as Error).message}\n`);
      }
    }
    if (!existsSync(path.join(dashboardDir, 'index.html'))) {
      io.err.write(`dashboard not built (${dashboardDir}); build it with: pnpm --filter @hinge/dashboard build\n`);
    }
    const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
    const tokenQuery = bridge.policy.tokenRequired ? `?token=${bridge.policy.accessToken}` : '';
    if (bridge.tokenCreated && bridge.policy.tokenRequired) io.err.write(`access token created: ${bridge.policy.accessToken} (kept in ${bridge.layout.accessToken})\n`);
    io.err.write(`data directory: ${bridge.layout.root}\n`);
    if (clinicUrl) io.err.write(`clinic database: ${redactedUrl(clinicUrl)} (${values.review ? 'review desk' : `station ${values.station ?? '(unnamed)'}, pushing`})\n`);
    const listening = (app.server.address() as AddressInfo).port; // --port 0: the one the system gave
    io.out.write(`http://${shownHost}:${listening}/${tokenQuery}\n`);
    await io.interrupted;
    closing = true;
    io.err.write('stopping: closing sessions and recordings\n');
    await app.close();
    return 0;
  },
};
