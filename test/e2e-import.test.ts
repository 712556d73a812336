// Importing a session from vendor exports in the dashboard, in real headless Chromium against the real
// bridge: MbientLab MetaBase files (two per sensor) chosen on the patient's page become a stopped session
// in the list whose report shows its reps; a broken file shows the bridge's message naming file and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { SampleLine } from '@hinge/protocol';
import { randomSession, simulateSession } from '@hinge/simulator';
import { ensureDashboardBuilt, launchChromium, removeDir, startBridge, type RunningBridge } from './support/dashboard-e2e';

let browser: Browser;
let bridge: RunningBridge;
const dir = mkdtempSync(path.join(os.tmpdir(), 'hinge-e2e-import-'));

beforeAll(async () => {
  ensureDashboardBuilt();
  browser = await launchChromium();
  bridge = await startBridge();
});

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  if (bridge) removeDir(bridge.dataDir);
  removeDir(dir);
});

/** MetaBase exports (MetaBase-Hub lib/sensor-config.js layout) of a simulated session: one file per sensor and signal. */
function metabaseFiles(): Record<'sacrum' | 'thoracic', string[]> {
  const sim = simulateSession({ seed: 3, script: randomSession(3, { durationS: 60 }) });
  const samples = sim.lines.filter((l): l is SampleLine => !('event' in l) && !!l.acc && !!l.gyr);
  const epoch0 = Date.UTC(2026, 10, 20, 9, 0, 0);
  const file = (sensor: string, signal: 'Accelerometer' | 'Gyroscope') => {
    const unit = signal === 'Accelerometer' ? 'g' : 'deg/s';
    const rows = samples
      .filter((s) => s.sensor === sensor)
      .map((s, i) => {
        const epoch = Math.round(epoch0 + s.t * 1000);
        const v = signal === 'Accelerometer' ? s.acc!.map((a) => (a / 9.80665).toFixed(3)) : s.gyr!.map((g) => ((g * 180) / Math.PI).toFixed(3));
        return `${epoch},${new Date(epoch).toISOString().slice(0, 23)},${(i / 100).toFixed(3)},${v.join(',')}`;
      });
    const name = path.join(dir, `Hinge_${sensor}_${signal}.csv`);
    writeFileSync(name, [`epoch (ms),time (+00:00),elapsed (s),x-axis (${unit}),y-axis (${unit}),z-axis (${unit})`, ...rows].join('\n') + '\n');
    return name;
  };
  return { sacrum: [file('sacrum', 'Accelerometer'), file('sacrum', 'Gyroscope')], thoracic: [file('thoracic', 'Accelerometer'), file('thoracic', 'Gyroscope')] };
}

describe('import in the dashboard', () => {
  it('MetaBase files on the patient page become a session to review; a broken file is named', async () => {
    const patient = await (await fetch(`${bridge.url}/api/patients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Imported patient' }) })).json();
    const files = metabaseFiles();
    const page = await browser.newPage();
    await page.goto(`${bridge.url}/#/review/patient/${encodeURIComponent(patient.id)}`);
    const form = page.getByTestId('import-form');
    const inputs = form.locator('input[type="file"]');

    const broken = path.join(dir, 'broken_Accelerometer.csv');
    writeFileSync(broken, 'epoch (ms),time (+00:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)\n1763629200000,t,0.000,0.0,1.0,0.0\n1763629200010,t,0.010,zero,1.0,0.0\n');
    await inputs.nth(0).setInputFiles([broken, files.sacrum[1]!]);
    await inputs.nth(1).setInputFiles(files.thoracic);
    await form.getByRole('button', { name: 'Import' }).click();
    await expect.poll(async () => (await form.getByRole('alert').count()) > 0 && (await form.getByRole('alert').innerText()), { timeout: 20_000 }).toContain('broken_Accelerometer.csv:3: column "x-axis (g)" is not a number ("zero")');

    await inputs.nth(0).setInputFiles(files.sacrum);
    await form.getByRole('button', { name: 'Import' }).click();
    await form.getByRole('status').waitFor({ timeout: 30_000 });
    const rows = page.locator('[data-testid="progress-table"] tbody tr');
    await expect.poll(async () => rows.first().innerText(), { timeout: 10_000 }).toContain('(imported)');
    const sessions = await (await fetch(`${bridge.url}/api/patients/${encodeURIComponent(patient.id)}/sessions`)).json();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 'stopped', startedAt: expect.stringMatching(/^2026-11-20T09:00:00/) });
    expect(sessions[0].repCount).toBeGreaterThan(0);
    await form.getByRole('status').getByRole('link').click();
    await page.waitForURL(/#\/review\/session\//);
    await page.close();
  });
});
