// Test support for the clinic tests: stations and review desks built in-process on a real PostgreSQL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Patient, SessionState } from '@hinge/protocol';
import { buildApp } from '../src/server/app';
import { CLIENT_HEADER } from '../src/server/request-guard';

export const tempDir = (label: string) => mkdtempSync(path.join(tmpdir(), `hinge-${label}-`));

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function station(name: string, clinicDatabaseUrl: string | undefined, dataDir = tempDir(name)): Promise<FastifyInstance> {
  return buildApp({ dataDir, station: name, pushIntervalMs: 200, ...(clinicDatabaseUrl ? { clinicDatabaseUrl } : {}) });
}

export async function reviewDesk(clinicDatabaseUrl: string): Promise<FastifyInstance> {
  return buildApp({ dataDir: tempDir('review'), clinicDatabaseUrl, reviewOnly: true });
}

/** JSON of a REST call; throws on an unexpected status. */
export async function call<T>(app: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: unknown, expected = [200, 201]): Promise<T> {
  const response = await app.inject({ method, url, headers: { [CLIENT_HEADER]: '1' }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  if (!expected.includes(response.statusCode)) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json<T>();
}

export async function recordSimulated(app: FastifyInstance, patient: Patient, seed: number): Promise<SessionState> {
  return call<SessionState>(app, 'POST', '/api/sessions', { patientId: patient.id, source: { kind: 'simulator', seed } });
}

/** Everything this station wrote is in the clinic database (running sessions aside). */
export function drained(app: FastifyInstance): boolean {
  const { store } = app.bridge;
  return store.outboxSize === 0 && store.recordingsToPush().every((r) => r.session.status === 'live' || r.session.status === 'created');
}
