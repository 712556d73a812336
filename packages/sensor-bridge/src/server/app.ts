// The bridge server, built by a function and listened on elsewhere (cli/commands/serve.ts), so tests
// drive it with `app.inject()` and real WebSocket clients. Plugins, one job each: access control,
// REST routes, the WebSocket stream, the static dashboard. Host/Origin checks and security headers
// come first (request-guard.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import { REST_MAX_BODY_BYTES, WS_MAX_MESSAGE_BYTES, type PatientSettings } from '@hinge/protocol';
import { analyzeRecordingLines, createSessionAnalyzer, DEFAULT_SETTINGS } from '@hinge/analysis';
import { prepareDataDir, type DataDirLayout } from '../storage/data-dir';
import { Store } from '../storage/store';
import { localArchive, type Archive } from '../storage/archive';
import { ClinicDb } from '../storage/clinic-db';
import { Pusher } from '../storage/pusher';
import { createSourceFactory, type ReplayLibrary } from '../sources/factory';
import { realOfflinePass, type OfflinePassFactory } from './stored-analysis';
import { runExportInWorker, runExportJob, type ExportJob, type ExportResult } from './export-jobs';
import { MAX_CONCURRENT_EXPORTS, MAX_CONCURRENT_REPLAYS, WorkSlots } from './work-slots';
import type { SensorSource } from '../sources/source';
import type { SourceSpec } from '@hinge/protocol';
import { accessTokenOf, isLoopbackHost, loadOrCreateAccessToken, type AccessPolicy } from './auth';
import { errorBody, HingeError, startupStorageError } from './errors';
import { restRoutes } from './rest-routes';
import { wsRoute } from './ws-route';
import { guardRequests } from './request-guard';
import { SessionHub } from './session-hub';
import type { AnalyzerFactory } from './live-session';
import type { OfflineAnalyzer } from './recovery';
import { loadNobleTransport } from '../ble/noble-transport';
import type { BleTransport } from '../ble/transport';
import { createLogger, type LogOptions } from './logger';
import { openApiOptions } from './openapi';
import { fileResponse } from './route-schemas';

export interface BuildAppOptions {
  dataDir: string;
  /** The interface the app will listen on; anything but loopback requires the access token. */
  host?: string;
  /** Override: require the token even on loopback (tests). */
  tokenRequired?: boolean;
  /** The built dashboard (`packages/dashboard/dist`). */
  dashboardDir?: string;
  /** Folders whose `.jsonl`/`.jsonl.gz` files a replay source may play by name. */
  replayDirs?: string[];
  /** Single recordings a replay source may play by their name (`serve --replay FILE`), without the rest of their folder. */
  replayFiles?: string[];
  /** Exports of stored sessions running at once (default MAX_CONCURRENT_EXPORTS); more answer 503. */
  maxConcurrentExports?: number;
  /** Replays playing at once (default MAX_CONCURRENT_REPLAYS); more answer 503. */
  maxConcurrentReplays?: number;
  /** Browser origins allowed besides the bridge's own (e.g. a vite dev server). */
  allowedOrigins?: string[];
  /** Host names the bridge answers to besides loopback and its listening address (`--allowed-host`). */
  allowedHosts?: string[];
  /** Replaces the source factory (benchmarks feed their own source). */
  createSource?: (spec: SourceSpec) => SensorSource;
  /** Replaces the analysis (tests of the server's own mechanics); default: @hinge/analysis. */
  analysis?: AnalysisFunctions;
  maxLiveSessions?: number;
  /** Where Bluetooth comes from (scans, tap to identify, live sensors); default: noble, loaded lazily. Tests pass the fake binding. */
  bleTransport?: () => Promise<BleTransport>;
  /** Structured log (server/logger.ts); `file` defaults to `hinge.log` in the data directory. Default: no log. */
  log?: LogOptions;
  /** The clinic's PostgreSQL (a connection string; never from the command line). */
  clinicDatabaseUrl?: string;
  /** This station's name, kept with every session recorded here. */
  station?: string;
  /** A review desk: lists and serves every session of the clinic database; records nothing. */
  reviewOnly?: boolean;
  /** Push interval to the clinic database (default 1000 ms). */
  pushIntervalMs?: number;
}

export interface Bridge {
  /** The address the bridge listens on (`--host`). */
  listenHost: string;
  hub: SessionHub;
  store: Store;
  layout: DataDirLayout;
  policy: AccessPolicy;
  /** True when this start created the access token (print it). */
  tokenCreated: boolean;
  /** Sessions found open at start-up and closed as interrupted. */
  recovered: string[];
  replay: ReplayLibrary;
  /** Exports of stored sessions running now (work-slots.ts). */
  exportSlots: WorkSlots;
  analysis: AnalysisFunctions;
  /** Runs an export's heavy work: in a worker thread with the real analysis, in-process with a stand-in (export-jobs.ts). */
  runExport: (job: ExportJob, signal?: AbortSignal) => Promise<ExportResult>;
  bleTransport: () => Promise<BleTransport>;
  /** Where sessions and patients are read from (this store, or the clinic database on a review desk). */
  archive: Archive;
  /** The clinic database, when configured. */
  clinic: ClinicDb | null;
  /** The background push of a station to the clinic database. */
  pusher: Pusher | null;
  /** This station's name (`--station`), or null. */
  station: string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    bridge: Bridge;
  }
}

export interface AnalysisFunctions {
  createAnalyzer: AnalyzerFactory;
  analyzeOffline: OfflineAnalyzer;
  /** One streaming pass over a stored recording, for the exports (stored-analysis.ts). */
  createOfflinePass: OfflinePassFactory;
  defaultSettings: PatientSettings;
}

export const realAnalysis: AnalysisFunctions = {
  createAnalyzer: (header) => createSessionAnalyzer(header),
  analyzeOffline: (header, lines, overrides) => analyzeRecordingLines(header, lines, overrides, { angles: false }),
  createOfflinePass: realOfflinePass,
  defaultSettings: DEFAULT_SETTINGS,
};

/** The data directory, its database and access token; a storage failure becomes one clear HINGE_ERR_STORAGE line. */
function openDataDir(root: string): { layout: DataDirLayout; store: Store; token: string; created: boolean } {
  let step = 'creating the data directory';
  let store: Store | null = null;
  try {
    const layout = prepareDataDir(root);
    step = 'opening the database';
    store = new Store(layout.database);
    prepareDataDir(root); // once more: the database files SQLite just created are owner-only too
    step = 'creating the access token';
    const { token, created } = loadOrCreateAccessToken(layout.accessToken);
    return { layout, store, token, created };
  } catch (error) {
    store?.close();
    throw startupStorageError(root, step, error);
  }
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const analysis = options.analysis ?? realAnalysis;
  if (options.reviewOnly && !options.clinicDatabaseUrl) throw new Error('a review-only bridge needs the clinic database (HINGE_DATABASE_URL or --database-file)');
  const { layout, store, token, created } = openDataDir(options.dataDir);
  const replay: ReplayLibrary = { dirs: (options.replayDirs ?? []).map((d) => path.resolve(d)), files: (options.replayFiles ?? []).map((f) => path.resolve(f)) };
  const replaySlots = new WorkSlots('replays', options.maxConcurrentReplays ?? MAX_CONCURRENT_REPLAYS);
  const bleTransport = options.bleTransport ?? loadNobleTransport;
  const early: string[] = [];
  let log: (message: string) => void = (message) => early.push(message);
  const clinic = options.clinicDatabaseUrl ? new ClinicDb(options.clinicDatabaseUrl, { log: (m) => log(m) }) : null;
  const archive: Archive = options.reviewOnly && clinic ? clinic : localArchive(store, layout.root);
  const hub = new SessionHub({
    store,
    archive,
    station: options.station ?? null,
    reviewOnly: options.reviewOnly ?? false,
    layout,
    defaultSettings: analysis.defaultSettings,
    createAnalyzer: analysis.createAnalyzer,
    analyzeOffline: analysis.analyzeOffline,
    createOfflinePass: analysis.createOfflinePass,
    createSource: options.createSource ?? createSourceFactory({ replay, bleTransport, replaySlots }),
    ...(options.maxLiveSessions !== undefined ? { maxLiveSessions: options.maxLiveSessions } : {}),
    log: (m) => log(m),
  });
  let recovered: string[];
  try {
    recovered = await hub.recover();
  } catch (error) {
    store.close();
    throw startupStorageError(layout.root, 'recovering interrupted sessions', error);
  }
  const pusher =
    clinic && !options.reviewOnly
      ? new Pusher({ store, clinic, dataDir: layout.root, intervalMs: options.pushIntervalMs ?? 1000, log: (m) => log(m) })
      : null;
  pusher?.start();

  const logger: FastifyBaseLogger = createLogger(options.log ? { ...options.log, file: options.log.file === undefined ? layout.log : options.log.file } : {});
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    bodyLimit: REST_MAX_BODY_BYTES,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, allowUnionTypes: true } },
  });
  const currentToken = accessTokenOf(layout.accessToken, token);
  const policy: AccessPolicy = {
    tokenRequired: options.tokenRequired ?? !isLoopbackHost(options.host ?? '127.0.0.1'),
    get accessToken() {
      return currentToken();
    },
    displaySession: (t) => hub.displayTokenSession(t),
  };
  app.decorate('bridge', {
    hub,
    store,
    layout,
    policy,
    tokenCreated: created,
    recovered,
    replay,
    exportSlots: new WorkSlots('exports', options.maxConcurrentExports ?? MAX_CONCURRENT_EXPORTS),
    analysis,
    runExport: analysis === realAnalysis ? runExportInWorker : (job, signal) => runExportJob(job, analysis.createOfflinePass, signal),
    bleTransport,
    archive,
    clinic,
    pusher,
    station: options.station ?? null,
    listenHost: options.host ?? '127.0.0.1',
  });
  log = (m) => app.log.info(m);
  for (const m of early) log(m);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
    const body = errorBody(error);
    // Every server-side failure leaves its stack in the log; client errors are in the request log line.
    if (error instanceof HingeError && error.options.retryAfterS !== undefined) void reply.header('retry-after', String(error.options.retryAfterS));
    if (body.statusCode >= 500 && body.code !== 'HINGE_ERR_BUSY') request.log.error({ err: error, code: body.code }, `${request.method} ${request.routeOptions.url ?? ''} failed: ${error.message}`);
    return reply.code(body.statusCode).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, code: 'HINGE_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  await app.register(swagger, openApiOptions());
  // The WebSocket plugin first: its hooks mark upgrade requests, so a refused upgrade's socket is closed.
  await app.register(websocket, { options: { maxPayload: WS_MAX_MESSAGE_BYTES } });
  await guardRequests(app, {
    listenHost: options.host ?? '127.0.0.1',
    allowedHosts: options.allowedHosts ?? [],
    allowedOrigins: options.allowedOrigins ?? [],
  });
  await app.register(restRoutes, { prefix: '/api' });
  await app.register(wsRoute);

  const dashboardDir = options.dashboardDir;
  if (dashboardDir && existsSync(path.join(dashboardDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: path.resolve(dashboardDir), index: 'index.html' });
  } else {
    app.get('/', { schema: { response: fileResponse('text/html', 'a page saying how to build the dashboard') } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><meta charset="utf-8"><title>Hinge bridge</title><h1>The dashboard is not built</h1>' +
            '<p>The bridge is running (REST under <code>/api</code>, stream at <code>/ws</code>), but ' +
            '<code>packages/dashboard/dist</code> is missing. Build it with</p>' +
            '<pre>pnpm --filter @hinge/dashboard build</pre><p>and reload this page.</p>',
        ),
    );
  }

  app.addHook('onClose', async () => {
    await hub.stopAll();
    // One last push of what the stopped sessions wrote (best effort; the outbox keeps the rest).
    await pusher?.stop();
    if (pusher) await pusher.tick();
    await clinic?.close();
    store.close();
  });
  return app;
}
