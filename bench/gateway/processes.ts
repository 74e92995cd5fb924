/** Child processes of the gateway bench (backend, bare proxy, the provider's connector) and what /proc says about them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

export interface Child {
  child: ChildProcess;
  /** The first JSON line the process printed on stdout. */
  hello: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Spawns `node <args>` and waits for its first JSON line on stdout (the rest of stdout is drained, unread). */
const running = new Set<ChildProcess>();
// However the bench ends, it leaves no process behind.
process.once('exit', () => running.forEach((c) => c.kill('SIGKILL')));

export function startChild(name: string, args: string[], ready: (hello: Record<string, unknown>) => boolean = () => true): Promise<Child> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let done = false;
    const onData = (chunk: Buffer) => {
      if (done) return;
      out += chunk.toString();
      for (const line of out.split('\n')) {
        try {
          const hello = JSON.parse(line) as Record<string, unknown>;
          if (!ready(hello)) continue;
          done = true;
          resolve({
            child,
            hello,
            stop: async () => {
              if (child.exitCode !== null || child.signalCode !== null) return;
              const exited = new Promise((r) => child.once('exit', r));
              child.kill('SIGTERM');
              const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
              await exited;
              clearTimeout(timer);
            },
          });
          return;
        } catch {
          /* not a whole JSON line yet */
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      if (!done) reject(new Error(`${name} exited with ${code} before it was ready: ${out.slice(0, 2000)}`));
    });
  });
}

const statusField = (pid: number, field: string): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
};

/** Resident set size now, in MiB. */
export const rssMb = (pid: number): number => statusField(pid, 'VmRSS');
/** Peak resident set size since start or the last resetPeakRss, in MiB (VmHWM). */
export const peakRssMb = (pid: number): number => statusField(pid, 'VmHWM');
/** Resets VmHWM to the current RSS (Linux: "5" into /proc/<pid>/clear_refs). Returns false where that is not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const TICK = 100; // USER_HZ on Linux
/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}
