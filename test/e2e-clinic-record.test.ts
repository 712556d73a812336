// The clinician's record end to end in real headless Chromium against the real bridge: a patient's two
// sessions with pain before and after (the first set up and run in the UI, its set ending at its target;
// the second over REST), the session report and its PDF (text read back with pdfjs-dist), the progress
// page by date with the progression advice, the review home, the German UI, and the patient screen on a
// phone-sized viewport. Each view's screenshot is written to test-output/screenshots/, or to the committed
// docs/screenshots/ (the README shows two) with HINGE_SCREENSHOTS=docs:
//   HINGE_SCREENSHOTS=docs pnpm exec vitest run test/e2e-clinic-record.test.ts
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { pdfText } from '../packages/sensor-bridge/test/pdf-text';
import { REPO_ROOT, ensureDashboardBuilt, launchChromium, loadFixture, removeDir, startBridge, type RunningBridge } from './support/dashboard-e2e';

const SHOTS = path.join(REPO_ROOT, process.env.HINGE_SCREENSHOTS === 'docs' ? 'docs/screenshots' : 'test-output/screenshots');
const clean = loadFixture('clean');

let browser: Browser;
let bridge: RunningBridge;

beforeAll(async () => {
  ensureDashboardBuilt();
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  bridge = await startBridge({ replayDirs: [clean.dir] });
});

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  if (bridge) removeDir(bridge.dataDir);
});

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const api = async (pathname: string, init?: RequestInit) => {
  const response = await fetch(`${bridge.url}${pathname}`, init);
  expect(response.ok, `${pathname}: ${response.status}`).toBe(true);
  return response.json();
};

async function untilStopped(sessionId: string): Promise<void> {
  await expect.poll(async () => (await api(`/api/sessions/${sessionId}`)).status, { timeout: 30_000, interval: 200 }).toBe('stopped');
}

/** No two value labels of any progress chart overlap (their boxes as laid out by the browser). */
async function overlappingLabels(page: Page): Promise<number> {
  return page.evaluate(() => {
    let overlaps = 0;
    for (const svg of document.querySelectorAll('.trend svg')) {
      for (const selector of ['text.value', 'text.tick']) {
        const boxes = [...svg.querySelectorAll(selector)].map((t) => t.getBoundingClientRect());
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i]!;
            const b = boxes[j]!;
            if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) overlaps++;
          }
      }
    }
    return overlaps;
  });
}

describe('the clinician’s record in a browser', () => {
  it('two sessions with pain reports, the PDF report, progress by date, German, and the patient screen on a phone', async () => {
    const errors: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
    page.on('pageerror', (e) => errors.push(e.message));

    // Session 1, set up in the UI: a new patient with a clinic identifier, pain before 3, no load, 3 reps per set.
    await page.goto(`${bridge.url}/#/`);
    await page.getByText('Connected').waitFor();
    await page.getByLabel('Patient', { exact: true }).selectOption({ label: 'New patient…' });
    await page.getByLabel('Name', { exact: true }).fill('Maria Muster');
    await page.getByLabel('Clinic identifier (optional)').fill('KL-7');
    await page.getByLabel('Session label').fill('first visit');
    await page.getByLabel('Pain level now, before the session (0-10)').fill('3');
    // The empty limit field says which default it takes.
    expect(await page.getByLabel('Lumbar flexion limit (°)').getAttribute('placeholder')).toBe('default 20°');
    await page.getByLabel('Target reps per set').fill('3');
    await page.getByLabel('Replay a recording').check();
    await page.getByLabel('Recording', { exact: true }).selectOption(clean.recording);
    await page.getByLabel('Speed (1 = real time)').fill('5');
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.waitForURL(/#\/session\//);
    const firstId = decodeURIComponent(page.url().split('#/session/')[1]!);
    await page.getByRole('button', { name: 'Start set' }).click();
    // The set ends by itself at its target.
    await page.getByText('No set running (1 of 3 sets done)').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'session-live.png'), fullPage: true });
    await untilStopped(firstId);
    await page.locator('[data-session-status="stopped"]').waitFor();
    await expect.poll(() => page.locator('.phase').textContent()).toBe('Session ended');

    // The report: pain after entered here, then the PDF the bridge makes.
    await page.getByRole('link', { name: 'Report' }).click();
    await page.getByTestId('report-facts').waitFor();
    await page.getByLabel('Pain level now, after the session (0-10)').fill('4');
    await page.getByRole('button', { name: 'Save pain report' }).click();
    await page.getByText('Pain report saved.').waitFor();
    const facts = await page.getByTestId('report-facts').innerText();
    expect(facts).toContain('Maria Muster (KL-7)');
    expect(facts).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // no ISO strings: a local date
    expect(facts).toMatch(/\d{1,2} [A-Z][a-z]{2} 20\d\d, \d{2}:\d{2}/); // en-GB medium date with the time
    const setRows = await page.locator('[data-testid="set-table"] tbody tr').allInnerTexts();
    expect(setRows[0]).toMatch(/^1\s+3\s/); // set 1 holds its 3 target reps
    await page.locator('.report .uplot').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'session-report.png'), fullPage: true });
    const pdfHref = await page.getByTestId('pdf-link').getAttribute('href');
    expect(pdfHref).toContain('tz=Europe%2FBerlin');
    const pdf = await fetch(new URL(pdfHref!, page.url()));
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const pdfPages = (await pdfText(new Uint8Array(await pdf.arrayBuffer()))).pages.join('\n');
    expect(pdfPages).toContain('Hip hinge report: Maria Muster');
    expect(pdfPages).toContain('KL-7');
    expect(pdfPages).toContain('first visit');
    expect(pdfPages).toMatch(/Pain before\s+3\/10/);
    expect(pdfPages).toMatch(/Pain after\s+4\/10/);
    expect(pdfPages).toMatch(/CET|GMT\+1/); // the clinic's time zone, not UTC

    // Session 2 over REST, a week's progress later: a dowel, pain 2 before and 2 after.
    const patientId = (await api(`/api/sessions/${firstId}`)).patientId as string;
    const second = await api('/api/sessions', json('POST', { patientId, label: 'second visit', settings: { painLevel: 2, load: 'dowel' }, source: { kind: 'replay', recording: clean.recording, speed: 50 } }));
    await untilStopped(second.id);
    await api(`/api/sessions/${second.id}/pain`, json('POST', { phase: 'after', scoreNrs: 2 }));

    // Progress by date, with the settings that changed and the advice.
    await page.goto(`${bridge.url}/#/review/patient/${encodeURIComponent(patientId)}`);
    const rows = page.locator('[data-testid="progress-table"] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const secondRow = await rows.nth(1).innerText();
    expect(secondRow).toContain('second visit');
    expect(secondRow).toContain('2 → 2');
    expect(secondRow).toContain('load no load → dowel');
    expect(await rows.nth(0).innerText()).toContain('3 → 4');
    await page.getByTestId('advice').waitFor();
    expect(await page.getByTestId('advice').innerText()).toMatch(/Stay at dowel|Next step|Step back/);
    expect(await overlappingLabels(page)).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'patient-progress.png'), fullPage: true });

    // The review home: the patient at a glance.
    await page.goto(`${bridge.url}/#/review`);
    const patientRow = page.locator('[data-testid="patients-table"] tbody tr', { hasText: 'Maria Muster' });
    await patientRow.waitFor();
    expect(await patientRow.innerText()).toContain('KL-7');
    await page.screenshot({ path: path.join(SHOTS, 'review-home.png'), fullPage: true });

    // German: the whole UI and its dates and numbers.
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Patienten' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Hauptmenü' }).innerText()).toContain('Auswertung');
    await page.goto(`${bridge.url}/#/review/patient/${encodeURIComponent(patientId)}`);
    await page.getByText('Vorschlag zur Steigerung').waitFor();
    const germanRow = await page.locator('[data-testid="progress-table"] tbody tr').nth(1).innerText();
    expect(germanRow).toMatch(/\d{2}\.\d{2}\.20\d\d, \d{2}:\d{2}/); // de: 04.12.2026, 18:05
    expect(germanRow).toContain('Last ohne Last → Stab');
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    await page.screenshot({ path: path.join(SHOTS, 'patient-progress-de.png'), fullPage: true });
    await page.getByLabel('Sprache').selectOption('en');

    // The patient screen on a phone, in a running set: "rep n of N" for this set.
    const running = await api('/api/sessions', json('POST', { patientId, label: 'phone', settings: { targetReps: 10 }, source: { kind: 'replay', recording: clean.recording, speed: 1 } }));
    await fetch(`${bridge.url}/api/sessions/${running.id}/sets/start`, { method: 'POST', headers: { 'x-hinge-client': 'test' } });
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone.on('pageerror', (e) => errors.push(e.message));
    await phone.goto(`${bridge.url}/#/patient/${encodeURIComponent(running.id)}`);
    await phone.getByText('Set 1 of 3').waitFor();
    await expect.poll(async () => phone.locator('.patient-rep-label').textContent()).toBe(' of 10');
    // Nothing wider than the phone, and the header's lines do not wrap mid-phrase.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const line of await phone.locator('.patient-top > p').all()) {
      const box = await line.boundingBox();
      const lineHeight = await line.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.3);
      expect(box!.height).toBeLessThan(lineHeight * 1.6);
    }
    await phone.screenshot({ path: path.join(SHOTS, 'patient-phone.png'), fullPage: true });
    await phone.close();
    await fetch(`${bridge.url}/api/sessions/${running.id}/stop`, { method: 'POST', headers: { 'x-hinge-client': 'test' } });

    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

