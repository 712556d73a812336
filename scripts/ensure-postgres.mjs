// Makes sure a PostgreSQL answers for the clinic-database tests (packages/sensor-bridge/test/clinic*.test.ts).
// The project's machines run one at 127.0.0.1:5432 (trust auth). On a fresh Debian machine, when run as
// root, this installs Debian's `postgresql`, lets the `postgres` role in from 127.0.0.1 without a
// password (a test machine only), and starts the cluster. Otherwise it says loudly that those tests
// will be skipped. Always exits 0: the rest of the suite does not depend on PostgreSQL.
// HINGE_TEST_PG_URL (an admin connection string) points the tests at another server; nothing is installed then.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

const HOST = '127.0.0.1';
const PORT = 5432;

function reachable() {
  return new Promise((resolve) => {
    const socket = connect(PORT, HOST);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function run(command, args) {
  console.error(`ensure-postgres: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

function loud(message) {
  const bar = '!'.repeat(100);
  console.error(`${bar}\n!! ensure-postgres: ${message}\n!! The clinic-database tests will be SKIPPED.\n${bar}`);
  process.exit(0);
}

if (process.env.HINGE_TEST_PG_URL || (await reachable())) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) loud(`no PostgreSQL at ${HOST}:${PORT}. As root: apt-get install postgresql (or set HINGE_TEST_PG_URL).`);

/** Installed server versions, newest first (a client-only install has no bin/postgres). */
const serverVersions = () =>
  existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`))
        .sort((a, b) => Number(b) - Number(a))
    : [];
if (serverVersions().length === 0 && !(run('apt-get', ['update']) && run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql']))) {
  loud('apt-get could not install postgresql.');
}
const versions = serverVersions();
const version = versions[0];
if (!version) loud('postgresql is installed but no server version was found under /usr/lib/postgresql.');
if (!existsSync(`/etc/postgresql/${version}/main`)) run('pg_createcluster', [version, 'main']);
const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
const trustLine = `host all postgres ${HOST}/32 trust # added by hinge scripts/ensure-postgres.mjs (test machine)`;
if (existsSync(hba) && !readFileSync(hba, 'utf8').includes(trustLine)) writeFileSync(hba, `${trustLine}\n${readFileSync(hba, 'utf8')}`);
if (!run('pg_ctlcluster', [version, 'main', 'start'])) run('pg_ctlcluster', [version, 'main', 'reload']);
for (let i = 0; i < 30 && !(await reachable()); i++) await new Promise((r) => setTimeout(r, 500));
if (!(await reachable())) loud(`PostgreSQL ${version} was installed but does not answer at ${HOST}:${PORT}.`);
console.error(`ensure-postgres: PostgreSQL ${version} answers at ${HOST}:${PORT}`);
