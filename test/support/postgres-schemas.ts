/** Test-side helpers for the PostgreSQL the global setup provides (./postgres.ts). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import './postgres.ts';

/** The server's URL, inside a test. */
export const testPostgresUrl = (): string => inject('kouanPostgresUrl');

/** A schema name no other test file or run uses. */
export const uniqueSchema = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;

/** Runs one statement on its own connection. */
export async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Drops the schemas a test file made. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  for (const schema of schemas) await query(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
