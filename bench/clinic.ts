// Clinic benchmark (issue #16): ten stations, each with a live session (2 sensors x 100 Hz, the demo
// recording replayed in real time, real analysis), pushing to one PostgreSQL; then an outage of the
// network to PostgreSQL (a TCP proxy in between is stopped) in the middle of the sessions, and back.
// Prints: push lag (p50/p99/max per chunk, steady state and while catching up), how long the catch-up
// took, whether every station's recording in PostgreSQL equals its local file byte for byte, rows and
// bytes per session-hour, and the live sample-to-client latency of a bridge with and without the push.
//
// The ten stations run in this one process (one event loop for all: harsher than ten machines).
// Needs a PostgreSQL as the tests do (127.0.0.1:5432 or HINGE_TEST_PG_URL); it creates and drops its
// own database. Run: pnpm bench:clinic [--seconds 30] [--outage-s 60] [--stations 10]
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../packages/sensor-bridge/src/server/app';

type FastifyInstance = Awaited<ReturnType<typeof buildApp>>;
import { ClinicDb } from '../packages/sensor-bridge/src/storage/clinic-db';
import { resolveRecordingPath } from '../packages/sensor-bridge/src/storage/archive';
import { createTestDatabase, query } from '../packages/sensor-bridge/test/postgres';
import { TcpProxy } from '../packages/sensor-bridge/test/tcp-proxy';
import { tempDir, until, sleep } from '../packages/sensor-bridge/test/clinic-support';
import { liveLatency } from './live-latency';
import { percentileSorted } from './stats';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface LagSummary {
  chunks: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}
const summarize = (lags: number[]): LagSummary => {
  const sorted = [...lags].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x);
  return { chunks: sorted.length, p50Ms: r(percentileSorted(sorted, 50)), p99Ms: r(percentileSorted(sorted, 99)), maxMs: r(sorted[sorted.length - 1] ?? NaN) };
};

async function main(): Promise<void> {
  const seconds = arg('seconds', 30);
  const outageS = arg('outage-s', 60);
  const stationCount = arg('stations', 10);
  const db = await createTestDatabase('bench_clinic');
  if (!db) {
    console.error('bench:clinic SKIPPED: no PostgreSQL (see the message above)');
    return;
  }
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(db.url).port || 5432));
  await proxy.restore();
  const admin = new ClinicDb(db.url);
  await admin.migrate();
  const sizeBefore = Number((await query<{ b: string }>(db.url, 'SELECT pg_database_size(current_database()) AS b'))[0]!.b);

  const stations: { app: FastifyInstance; sessionId: string }[] = [];
  try {
    for (let i = 0; i < stationCount; i++) {
      const app = await buildApp({
        dataDir: tempDir(`bench-station-${i}`),
        station: `bench-${i}`,
        clinicDatabaseUrl: proxy.urlFor(db.url),
        replayDirs: [path.join(repoRoot, 'fixtures')],
      });
      const patient = app.bridge.hub.createPatient({ name: `Bench patient ${i}`, clinicId: `BENCH-${i}` });
      const session = await app.bridge.hub.createSession({ patientId: patient.id, source: { kind: 'replay', recording: 'demo.jsonl', loop: true } });
      stations.push({ app, sessionId: session.id });
    }
    const lagCount = () => stations.map((s) => s.app.bridge.pusher!.stats.lagsMs.length);
    const lagsSince = (marks: number[]) => stations.flatMap((s, i) => s.app.bridge.pusher!.stats.lagsMs.slice(marks[i]));
    console.error(`bench:clinic: ${stationCount} stations live; steady state for ${seconds} s`);
    await sleep(3000); // warm-up
    const steadyMark = lagCount();
    await sleep(seconds * 1000);
    const steady = summarize(lagsSince(steadyMark));

    console.error(`bench:clinic: network to PostgreSQL cut for ${outageS} s`);
    await proxy.cut();
    await sleep(outageS * 1000);
    const queued = stations.map((s) => s.app.bridge.store.outboxSize);
    const restoredAtMs = Date.now();
    const outageMark = lagCount();
    await proxy.restore();
    // Caught up: every station has pushed at least what its file held when the network came back.
    const sizesAtRestore = stations.map((s) => readFileSync(recordingFile(s)).length);
    await until(async () => {
      for (const [i, s] of stations.entries()) {
        const progress = await admin.chunkProgress(s.sessionId);
        if (progress.pushedBytes < sizesAtRestore[i]! - 64 * 1024) return false;
      }
      return true;
    }, 300_000, 'the catch-up');
    const catchUpS = (Date.now() - restoredAtMs) / 1000;
    await sleep(5000);
    const catchUp = summarize(lagsSince(outageMark));
    const afterMark = lagCount();
    await sleep(10_000);
    const after = summarize(lagsSince(afterMark));

    for (const s of stations) await s.app.bridge.hub.liveSession(s.sessionId).stop();
    await until(() => stations.every((s) => s.app.bridge.store.outboxSize === 0 && s.app.bridge.store.recordingsToPush().length === 0), 120_000, 'the final push');
    let byteEqual = 0;
    for (const s of stations) {
      const copy = path.join(s.app.bridge.layout.root, 'from-clinic');
      await admin.writeRecording(s.sessionId, copy);
      if (readFileSync(copy).equals(readFileSync(recordingFile(s)))) byteEqual++;
    }
    const ids = stations.map((s) => s.sessionId);
    const recordedS = stations.reduce((sum, s) => sum + s.app.bridge.store.getSession(s.sessionId)!.lastT, 0);
    const sessionHours = recordedS / 3600;
    const [counts] = await query<{ chunks: string; reps: string; sets: string; chunk_bytes: string; raw_bytes: string; duplicate_chunks: string }>(
      db.url,
      `SELECT (SELECT count(*) FROM recording_chunks WHERE session_id = ANY($1)) AS chunks,
              (SELECT count(*) - count(DISTINCT (session_id, byte_offset)) FROM recording_chunks WHERE session_id = ANY($1)) AS duplicate_chunks,
              (SELECT count(*) FROM reps WHERE session_id = ANY($1)) AS reps,
              (SELECT count(*) FROM sets WHERE session_id = ANY($1)) AS sets,
              (SELECT sum(pg_column_size(c.*)) FROM recording_chunks c WHERE session_id = ANY($1)) AS chunk_bytes,
              (SELECT sum(byte_length) FROM recording_chunks WHERE session_id = ANY($1)) AS raw_bytes`,
      [ids],
    );
    const sizeAfter = Number((await query<{ b: string }>(db.url, 'SELECT pg_database_size(current_database()) AS b'))[0]!.b);
    const perHour = (n: number) => Math.round(n / sessionHours);
    const rows = Number(counts!.chunks) + Number(counts!.reps) + Number(counts!.sets) + stationCount;

    console.error('bench:clinic: live sample-to-client latency, 10 sessions in one bridge, without and with the push');
    const liveAlone = await liveLatency({ seconds: 10, sessions: 10 });
    process.env.BENCH_CLINIC_URL = db.url;
    const livePushing = await liveLatency({ seconds: 10, sessions: 10 });
    delete process.env.BENCH_CLINIC_URL;

    const result = {
      stations: stationCount,
      sessionSeconds: Math.round(recordedS),
      pushLag: { steady, duringCatchUp: catchUp, afterCatchUp: after, target: { p99Ms: 2000 } },
      outage: { seconds: outageS, queuedRowChangesPerStation: queued, catchUpS: Number(catchUpS.toFixed(1)) },
      recordingsByteEqual: `${byteEqual}/${stationCount}`,
      duplicateChunks: Number(counts!.duplicate_chunks),
      perSessionHour: {
        rows: perHour(rows),
        chunkRows: perHour(Number(counts!.chunks)),
        recordingBytes: perHour(Number(counts!.raw_bytes)),
        storedChunkBytes: perHour(Number(counts!.chunk_bytes)),
        databaseGrowthBytes: perHour(sizeAfter - sizeBefore),
      },
      liveSampleToClientMs: {
        withoutPush: liveAlone.latencyMs,
        withPush: livePushing.latencyMs,
        target: { p99Ms: 10 },
      },
      pass: steady.p99Ms <= 2000 && after.p99Ms <= 2000 && byteEqual === stationCount && Number(counts!.duplicate_chunks) === 0 && livePushing.latencyMs.p99 <= 10,
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
    writeFileSync(path.join(repoRoot, 'bench/results/clinic.json'), JSON.stringify({ ...result, command: process.argv.slice(2).join(' ') }, null, 2) + '\n');
  } finally {
    for (const s of stations) {
      await s.app.close().catch(() => {});
      rmSync(s.app.bridge.layout.root, { recursive: true, force: true });
    }
    await proxy.cut();
    await admin.close();
    await db.drop();
  }
}

function recordingFile(s: { app: FastifyInstance; sessionId: string }): string {
  return resolveRecordingPath(s.app.bridge.layout.root, s.app.bridge.store.getSession(s.sessionId)!.recordingPath!);
}

await main();
