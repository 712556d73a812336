// The dashboard's sensor finder in real headless Chromium against the real bridge, operated with the
// keyboard only: on this machine's real (absent) Bluetooth the bridge's fix-it message is shown as
// it is; over the fake noble binding a scan lists the sensors, Sacrum/Thoracic fill the addresses,
// and a remembered placement pre-fills the form. Screenshots: test-output/screenshots/sensor-*.png.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { FakeBindings } from '../packages/sensor-bridge/test/fake-binding';
import { fakeGeneric, fakeMetaMotion } from '../packages/sensor-bridge/test/fake-devices';
import { createNobleTransport, type NobleLike } from '../packages/sensor-bridge/src/ble/noble-transport';
import { rememberPlacement } from '../packages/sensor-bridge/src/ble/placements';
import { REPO_ROOT, ensureDashboardBuilt, launchChromium, removeDir, startBridge, type RunningBridge } from './support/dashboard-e2e';

const require = createRequire(import.meta.url);
const withBindings = require('@abandonware/noble/with-bindings') as (bindings: unknown) => NobleLike;
const SHOTS = path.join(REPO_ROOT, 'test-output/screenshots');

let browser: Browser;
const bridges: RunningBridge[] = [];
beforeAll(async () => {
  ensureDashboardBuilt();
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  for (const b of bridges) {
    await b.close();
    removeDir(b.dataDir);
  }
});

/** Opens the new-session form with the Bluetooth source chosen, by keyboard. */
async function openLiveSetup(bridge: RunningBridge): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${bridge.url}/#/`);
  await page.getByLabel('Two Bluetooth sensors').focus();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Scan for sensors' }).waitFor();
  return page;
}

describe('sensor finder in the browser', () => {
  it('without Bluetooth, Scan shows the bridge message as is and the address fields still work', async () => {
    const bridge = await startBridge(); // the real, lazily loaded noble: no adapter on this machine
    bridges.push(bridge);
    const direct = await bridge.app.inject({ method: 'POST', url: '/api/sensors/scan', payload: { seconds: 0.2 } });
    const page = await openLiveSetup(bridge);
    await page.getByRole('button', { name: 'Scan for sensors' }).focus();
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 15_000 });
    if (direct.statusCode === 200) return; // a machine with working Bluetooth: nothing to show here
    expect(await alert.textContent()).toBe(direct.json().message);
    expect(direct.json().code).toMatch(/^HINGE_ERR_BLE_/);
    await page.screenshot({ path: path.join(SHOTS, 'sensor-no-bluetooth.png'), fullPage: true });
    await page.getByLabel('Sacrum sensor address').fill('aa:bb:cc:dd:ee:01');
    expect(await page.getByLabel('Sacrum sensor address').inputValue()).toBe('aa:bb:cc:dd:ee:01');
    await page.close();
  }, 60_000);

  it('over the fake binding: the list shows name, model, signal and battery; Sacrum/Thoracic fill the addresses; remembered ones pre-fill', async () => {
    const bindings = new FakeBindings();
    bindings.addDevice(fakeMetaMotion({ id: 'mm-1', address: 'c4:7f:0e:00:00:01', rssiDbm: -71 }).spec);
    bindings.addDevice(fakeGeneric({ id: 'gen-1', address: 'aa:bb:cc:00:00:05', rssiDbm: -48 }).spec);
    const transport = createNobleTransport(withBindings(bindings));
    const bridge = await startBridge({ bleTransport: async () => transport });
    bridges.push(bridge);
    rememberPlacement(bridge.dataDir, 'c4:7f:0e:00:00:01', { placement: 'thoracic', model: 'metamotion', name: 'MetaWear' });

    const page = await openLiveSetup(bridge);
    // The remembered thoracic sensor is pre-filled.
    await expect.poll(() => page.getByLabel('Thoracic sensor address').inputValue()).toBe('c4:7f:0e:00:00:01');
    await page.getByRole('button', { name: 'Scan for sensors' }).focus();
    await page.keyboard.press('Enter');
    const table = page.getByRole('table', { name: 'Sensors found' });
    await table.waitFor({ timeout: 15_000 });
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(0, 5).map((c) => c.textContent)));
    expect(rows).toEqual([
      ['hinge-esp32hinge open profile', 'aa:bb:cc:00:00:05', 'strong (-48 dBm)', '99 %', '–'],
      ['MetaWearMetaMotion', 'c4:7f:0e:00:00:01', 'fair (-71 dBm)', '87 %', 'thoracic'],
    ]);
    const useAsSacrum = page.getByRole('button', { name: 'Use hinge-esp32 aa:bb:cc:00:00:05 as the sacrum sensor' });
    await useAsSacrum.focus();
    await page.keyboard.press('Enter');
    expect(await page.getByLabel('Sacrum sensor address').inputValue()).toBe('aa:bb:cc:00:00:05');
    expect(await useAsSacrum.getAttribute('aria-pressed')).toBe('true');
    // The same sensor moved to the thoracic field leaves the sacrum field empty.
    await page.getByRole('button', { name: 'Use hinge-esp32 aa:bb:cc:00:00:05 as the thoracic sensor' }).focus();
    await page.keyboard.press('Space');
    expect(await page.getByLabel('Thoracic sensor address').inputValue()).toBe('aa:bb:cc:00:00:05');
    expect(await page.getByLabel('Sacrum sensor address').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Use MetaWear c4:7f:0e:00:00:01 as the sacrum sensor' }).click();
    await page.screenshot({ path: path.join(SHOTS, 'sensor-scan.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
