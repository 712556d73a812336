// DNS rebinding in real Chromium. Chromium resolves `evil.example` to 127.0.0.1
// (`--host-resolver-rules`), as it would after an attacker's DNS re-points the name. The attacker's
// page, served as http://evil.example:PORT/ (fulfilled by the test, as the attacker's server would
// before the rebind), then reads and writes the API and opens the WebSocket on its "own" origin:
// the requests reach the real bridge with `Host: evil.example:PORT` and a matching `Origin`, and
// must be refused. The same probe from the bridge's own origin succeeds (so the probe can fail), and
// the dashboard itself runs under the bridge's Content-Security-Policy without a violation.
// Chromium's own Private Network Access check would stop the fetches before they reach the bridge
// (a "public" page asking loopback); it is switched off here, as it is absent in other browsers and
// older Chromium, so that the bridge's refusal is what is tested.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ensureDashboardBuilt, launchChromium, loadFixture, removeDir, startBridge, type RunningBridge } from './support/dashboard-e2e';

let browser: Browser;
let bridge: RunningBridge;

beforeAll(async () => {
  ensureDashboardBuilt();
  browser = await launchChromium([
    '--host-resolver-rules=MAP evil.example 127.0.0.1',
    '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,BlockInsecurePrivateNetworkRequests',
  ]);
  bridge = await startBridge({ replayDirs: [loadFixture('demo').dir] });
});

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  if (bridge) removeDir(bridge.dataDir);
});

interface ProbeResult {
  read: number | string;
  write: number | string;
  ws: string;
}

/** What the attacker's script tries, from whatever origin the page has. */
const probe = async (): Promise<ProbeResult> => {
  const status = (p: Promise<Response>) => p.then((r) => r.status).catch((e: Error) => `failed: ${e.message}`);
  const read = await status(fetch('/api/patients'));
  const write = await status(
    fetch('/api/patients', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Mallory' }) }),
  );
  const ws = await new Promise<string>((resolve) => {
    const socket = new WebSocket(`ws://${location.host}/ws`);
    socket.onmessage = (m) => {
      resolve(`open: ${String(m.data).slice(0, 40)}`);
      socket.close();
    };
    socket.onerror = () => resolve('refused');
    setTimeout(() => resolve('timeout'), 5000);
  });
  return { read, write, ws };
};

it('a rebound page (foreign Host, matching Origin) is refused on REST and the WebSocket', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const evilOrigin = `http://evil.example:${bridge.port}`;

    // Unrouted, the name really reaches the bridge, which refuses it.
    const direct = await page.goto(`${evilOrigin}/api/health`);
    expect(direct?.status()).toBe(403);
    expect(await direct?.json()).toMatchObject({ code: 'HINGE_ERR_HOST_NOT_ALLOWED' });

    // The attacker's page, then its requests to its own origin (now 127.0.0.1).
    await page.route(`${evilOrigin}/`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>cats</title>' }));
    await page.goto(`${evilOrigin}/`);
    expect(await page.evaluate(() => location.origin)).toBe(evilOrigin);
    const attack = await page.evaluate(probe);
    expect(attack).toEqual({ read: 403, write: 403, ws: 'refused' });
    expect(bridge.app.bridge.store.listPatients().map((p) => p.name)).not.toContain('Mallory');

    // The same script on the bridge's own origin gets through: the probe itself works.
    await page.goto(`${bridge.url}/api/health`);
    const own = await page.evaluate(probe);
    expect(own.read).toBe(200);
    expect(own.write).toBe(201);
    expect(own.ws).toMatch(/^open: \{"type":"hello"/);
  } finally {
    await context.close();
  }
});

it('the dashboard runs under the Content-Security-Policy without a violation and cannot be framed', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(e.message));
    const response = await page.goto(`${bridge.url}/#/`);
    expect(response?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    await page.getByText('Connected').waitFor();
    await page.waitForTimeout(500);
    expect(violations).toEqual([]);

    // A page elsewhere (here: the other loopback name) that frames the console gets an empty frame.
    const framer = await context.newPage();
    const blocked: string[] = [];
    framer.on('console', (m) => blocked.push(m.text()));
    await framer.route('http://localhost:1/', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html><iframe id="f" src="${bridge.url}/"></iframe>` }),
    );
    await framer.goto('http://localhost:1/');
    await framer.waitForTimeout(1000);
    const frame = framer.frames().find((f) => f.url().startsWith(bridge.url));
    const framedText = frame ? await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
    expect(framedText).not.toMatch(/Connected|Patient/);
  } finally {
    await context.close();
  }
});
