// Test support: a real PostgreSQL for the clinic-database tests. Each test file creates its own
// database and drops it afterwards. The server: $HINGE_TEST_PG_URL (an admin connection string), else
// 127.0.0.1:5432 as `postgres` (trust auth, as on the project's machines; scripts/ensure-postgres.mjs
// installs and starts one on a fresh Debian machine when run as root). When none answers, the tests
// that need it are skipped with a loud message instead of failing.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URLS = process.env.HINGE_TEST_PG_URL
  ? [process.env.HINGE_TEST_PG_URL]
  : ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://postgres@127.0.0.1:5432/test'];

async function tryConnect(url: string): Promise<pg.Client | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch {
    await client.end().catch(() => {});
    return null;
  }
}

async function adminClient(): Promise<{ client: pg.Client; url: string } | null> {
  for (const url of ADMIN_URLS) {
    const client = await tryConnect(url);
    if (client) return { client, url };
  }
  return null;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server; null (after a loud warning) when there is no server. */
export async function createTestDatabase(label: string): Promise<TestDatabase | null> {
  const admin = await adminClient();
  if (!admin) {
    const banner = '!'.repeat(100);
    console.warn(
      `\n${banner}\n!! SKIPPED: ${label}: no PostgreSQL at ${ADMIN_URLS.join(' or ')}.\n` +
        `!! Run 'node scripts/ensure-postgres.mjs' as root (installs Debian's postgresql) or set HINGE_TEST_PG_URL.\n${banner}\n`,
    );
    return null;
  }
  const name = `hinge_test_${label.replace(/\W+/g, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await admin.client.query(`CREATE DATABASE ${name}`);
  await admin.client.end();
  const url = new URL(admin.url);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const again = await adminClient();
      if (!again) return;
      await again.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.client.end();
    },
  };
}

/** Runs one query on the test database (assertions that look at the clinic's rows directly). */
export async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Without values, the simple protocol: several statements in one text are allowed.
    return (values.length > 0 ? await client.query<R>(text, values) : await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}
