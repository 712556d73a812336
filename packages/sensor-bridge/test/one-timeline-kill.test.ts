// One timeline after a real kill -9: the bridge runs as its own process (`hinge serve`, the built CLI),
// a replay of the one-timeline session streams into a session the test drives over REST like a
// clinician (warm-up rep, two sets, a limit change mid-set, a note, a recalibration, a thoracic drop-out),
// the process is killed with SIGKILL during rep 7, and a second `hinge serve` on the same data
// directory recovers it. The recovered reps, sets, calibration and summary equal `hinge analyze` of the
// recording (the CLI, another process) field for field; the alerts and reps the first process streamed
// equal what the analysis of that file emits.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AnalysisDocument, AnalysisEvent, RepReport, ServerMessage, SessionDetail, SessionState } from '@hinge/protocol';
import { CLIENT_HEADER } from '../src/server/request-guard';
import { freePort } from './free-port';
import { eventsOf, expectStoredEqualsDocument, scenario } from './one-timeline-scenario';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const hingeBin = path.join(repoRoot, 'packages/sensor-bridge/bin/hinge.mjs');
/** Recording seconds per real second. */
const SPEED = 4;

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `hinge serve` as a child process; resolves with its base URL once it listens. */
async function serve(dataDir: string, replayFile: string): Promise<{ child: ChildProcess; base: string; stderr: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [hingeBin, 'serve', '--no-session', '--replay', replayFile, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /http:\/\/[^/\s]+/.exec(out);
      if (match) resolve(match[0]);
    });
    child.on('exit', (code, signal) => reject(new Error(`hinge serve exited (${code ?? signal}): ${err}`)));
  });
  return { child, base, stderr: () => err };
}

async function api<T>(base: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { [CLIENT_HEADER]: 'one-timeline-kill-test', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}


describe('one timeline after kill -9 of a real bridge process', () => {
  it('the recovered session equals hinge analyze of its recording, field for field', { timeout: 90_000 }, async () => {
    const { header, lines, controls, truth } = scenario();
    const work = mkdtempSync(path.join(tmpdir(), 'hinge-kill9-'));
    dirs.push(work);
    const dataDir = path.join(work, 'data');
    const replayFile = path.join(work, 'one-timeline.jsonl');
    writeFileSync(replayFile, [header, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');

    const first = await serve(dataDir, replayFile);
    const patient = await api<{ id: string }>(first.base, 'POST', '/api/patients', { name: 'Kill nine' });
    const created = await api<SessionState>(first.base, 'POST', '/api/sessions', { patientId: patient.json.id, settings: { lumbarLimitDeg: 20, targetReps: 10 } });
    expect(created.status).toBe(201);
    const id = created.json.id;

    const ws = new WebSocket(`${first.base.replace('http', 'ws')}/ws`);
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
    ws.on('error', () => {}); // the server is killed under it
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'subscribe', sessionId: id }));
    await until('subscribed', () => messages.some((m) => m.type === 'snapshot'));

    const source = await api<SessionState>(first.base, 'PUT', `/api/sessions/${id}/source`, { kind: 'replay', recording: path.basename(replayFile), speed: SPEED });
    expect(source.status, JSON.stringify(source.json)).toBe(200);

    // The clinician acts when the session reaches each time (as the dashboard shows it).
    let lastT = 0;
    const sessionT = async () => {
      lastT = (await api<SessionState>(first.base, 'GET', `/api/sessions/${id}`)).json.t;
      return lastT;
    };
    const act = async (action: string) => {
      const reply =
        action === 'limit-40'
          ? await api(first.base, 'PATCH', `/api/sessions/${id}/settings`, { lumbarLimitDeg: 40 })
          : action === 'note'
            ? await api(first.base, 'POST', `/api/sessions/${id}/annotations`, { text: 'back feels tight before rep 3' })
            : await api(first.base, 'POST', `/api/sessions/${id}/${action === 'calibrate' ? 'calibrate' : action === 'set-start' ? 'sets/start' : 'sets/stop'}`);
      expect(reply.status, `${action}: ${JSON.stringify(reply.json)}`).toBeLessThan(300);
    };
    for (const control of controls) {
      await until(`t = ${control.t.toFixed(2)} s`, async () => (await sessionT()) >= control.t);
      await act(control.action);
    }
    // Inside rep 7 (past its bottom; its alert has fired): hold the replay so everything streamed is on
    // disk (flushed every 250 ms), then kill -9.
    const killAtT = truth[6]!.bottom;
    await until('rep 7 bottom', async () => (await sessionT()) >= killAtT);
    ws.send(JSON.stringify({ type: 'set-speed', id: 'hold', sessionId: id, speed: 0.001 }));
    await until('held', () => messages.some((m) => m.type === 'ack' && m.id === 'hold'));
    await new Promise((r) => setTimeout(r, 700));
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(first.child.signalCode).toBe('SIGKILL');
    ws.terminate();

    // Restart on the same data directory: recovery closes the session from its recording.
    const second = await serve(dataDir, replayFile);
    try {
      expect(second.stderr()).toContain(`session ${id} had been interrupted`);
      const recovered = (await api<SessionDetail>(second.base, 'GET', `/api/sessions/${id}`)).json;
      expect(recovered.status).toBe('interrupted');
      const recordings = readdirSync(path.join(dataDir, 'recordings'));
      expect(recordings).toHaveLength(1);
      const file = path.join(dataDir, 'recordings', recordings[0]!);

      // `hinge analyze FILE --json`, the CLI in its own process.
      const analyzed = await promisify(execFile)(process.execPath, [hingeBin, 'analyze', file, '--json'], { cwd: repoRoot, maxBuffer: 64 << 20 });
      const doc = JSON.parse(analyzed.stdout) as AnalysisDocument;

      // The session is what it claims to be: warm-up, set 1 with the limit raised mid-set, the note,
      // recalibration, set 2 with the drop-out in rep 6; rep 7 was cut by the kill.
      expect(doc.reps.map((r) => r.set)).toEqual([undefined, 1, 1, 1, 2, 2]);
      expect(doc.reps.map((r) => r.faults.includes('lumbar-rounding'))).toEqual([false, false, true, false, false, false]);
      expect(doc.reps[3]!.peakLumbarDeg).toBeGreaterThan(20);
      expect(doc.reps[5]!.missingS).toBeGreaterThan(0.3);
      expect(doc.calibrations).toHaveLength(2);
      expect(doc.settings?.lumbarLimitDeg).toBe(40);
      expect(doc.annotations?.map((a) => a.text)).toEqual(['back feels tight before rep 3']);
      expect(doc.summary.sets?.map((s) => s.repCount)).toEqual([3, 2]);

      // Recovered = hinge analyze, field for field; /analysis of the restarted bridge too.
      expectStoredEqualsDocument(recovered, doc);
      expect(recovered.settings.lumbarLimitDeg).toBe(40);
      expect((await api<AnalysisDocument>(second.base, 'GET', `/api/sessions/${id}/analysis`)).json).toEqual(doc);

      // What the killed process streamed live equals the analysis of the recording it left.
      const streamed = <T>(type: string) => messages.flatMap((m) => (m.type === 'event' && m.event.type === type ? [m.event as T] : []));
      const offline = await eventsOf(file);
      const offlineOf = (type: string) => offline.filter((e) => e.type === type);
      expect(streamed<{ rep: RepReport }>('rep-completed').map((e) => e.rep)).toEqual(doc.reps);
      const liveAlerts = streamed<AnalysisEvent>('alert');
      expect(liveAlerts.map((a) => a.type === 'alert' && [a.index, a.fault])).toEqual([
        [3, 'lumbar-rounding'],
        [7, 'lumbar-rounding'],
      ]);
      expect(liveAlerts).toEqual(offlineOf('alert'));
      expect(streamed('annotation')).toEqual(offlineOf('annotation'));
      expect(streamed('calibrated').filter((c) => (c as { final: boolean }).final)).toEqual(offlineOf('calibrated').filter((c) => c.type === 'calibrated' && c.final));
    } finally {
      second.child.kill('SIGTERM');
    }
  });
});
