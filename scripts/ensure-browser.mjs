// Makes sure a Chromium for the browser end-to-end test exists (test/e2e-dashboard.test.ts).
// Downloading a browser through playwright does not work here, so we use Debian's `chromium` package:
// when /usr/bin/chromium is missing and we run as root, install it with apt-get; otherwise explain how.
// Exit code 0 when the browser is there (or was installed), 1 when it is missing and could not be installed.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM_PATH = process.env.HINGE_CHROMIUM ?? '/usr/bin/chromium';

function run(command, args) {
  console.error(`ensure-browser: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

if (existsSync(CHROMIUM_PATH)) {
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `ensure-browser: ${CHROMIUM_PATH} is missing. Install Debian's chromium as root ` +
      `(apt-get update && apt-get install -y chromium) or set HINGE_CHROMIUM to a Chromium binary; ` +
      `the dashboard end-to-end test is skipped without it.`,
  );
  process.exit(1);
}

if (!run('apt-get', ['update']) || !run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'])) {
  console.error('ensure-browser: apt-get could not install chromium; the dashboard end-to-end test will be skipped.');
  process.exit(1);
}
if (!existsSync(CHROMIUM_PATH)) {
  console.error(`ensure-browser: chromium was installed but ${CHROMIUM_PATH} is still missing.`);
  process.exit(1);
}
console.error(`ensure-browser: installed ${CHROMIUM_PATH}`);
