// The bridge's structured log (pino, handed to Fastify as its logger): one JSON line per request and
// per event into `hinge.log` in the data directory, and the same lines on the terminal, made readable
// by pino-pretty when stderr is a terminal. Secrets and patient names never reach a log: the access and
// display tokens (header, `?token=` query), `name` fields of patients and the text of notes are redacted.
import pino, { type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export interface LogOptions {
  level?: LogLevel;
  /** Append JSON lines to this file (created if missing); null: no file. */
  file?: string | null;
  /** Where terminal output goes; default: none. */
  terminal?: NodeJS.WritableStream & { isTTY?: boolean };
}

const REDACTED = '[redacted]';
/** Object paths censored in every log line (pino `redact`). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'patientName',
  '*.patientName',
  'patient.name',
  'body.name',
  // A clinician's note (annotation) is patient data.
  'text',
  '*.text',
  'body.text',
];

/** A URL with the value of any `token` query parameter replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, `$1${REDACTED}`);
}

interface RequestLike {
  method: string;
  url: string;
  id?: string;
  ip?: string;
  routeOptions?: { url?: string };
}

const serializers = {
  req: (request: RequestLike) => ({
    method: request.method,
    url: redactUrl(request.url),
    ...(request.routeOptions?.url ? { route: request.routeOptions.url } : {}),
    ip: request.ip,
  }),
  err: pino.stdSerializers.err,
};

/** The logger the bridge runs with: file and terminal streams at one level. */
export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? DEFAULT_LOG_LEVEL;
  const streams: pino.StreamEntry[] = [];
  if (options.file) streams.push({ level: 'trace', stream: pino.destination({ dest: options.file, append: true, mkdir: true, sync: true }) });
  if (options.terminal) {
    const terminal = options.terminal;
    streams.push({
      level: 'trace',
      stream: terminal.isTTY ? pretty({ destination: terminal, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }) : terminal,
    });
  }
  return pino(
    { level: streams.length === 0 ? 'silent' : level, redact: { paths: REDACTED_PATHS, censor: REDACTED }, serializers },
    pino.multistream(streams),
  );
}
