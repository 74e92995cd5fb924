/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and sums sampled time by function and by area (package or source file).
 * tsx hands V8 whitespace-minified code (everything on line 1), so positions in our sources are mapped back to
 * their TypeScript lines by transforming each file again with tsx's esbuild options and reading the source map.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  self: Array<{ fn: string; ms: number }>;
  areas: Array<{ area: string; ms: number }>;
  inclusive: Array<{ fn: string; ms: number }>;
}

function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src\/[^?]+)/.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) {
    if (/tls|_tls|crypto/.test(url)) return 'node tls/crypto';
    if (/streams|stream/.test(url)) return 'node streams';
    if (/http|_http/.test(url)) return 'node http';
    return 'node (other)';
  }
  return url.replace(/^.*\//, '');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Generated column → original line (1-based) for generated line 1, from a VLQ source map. */
function columnsToLines(mappings: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const firstLine = mappings.split(';')[0] ?? '';
  let column = 0;
  let line = 0;
  for (const segment of firstLine.split(',')) {
    const values: number[] = [];
    let shift = 0;
    let value = 0;
    for (const char of segment) {
      const digit = B64.indexOf(char);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >> 1) : value >> 1);
        value = 0;
        shift = 0;
      }
    }
    if (values.length === 0) continue;
    column += values[0]!;
    if (values.length >= 4) line += values[2]!;
    out.push([column, line + 1]);
  }
  return out;
}
const maps = new Map<string, Array<[number, number]> | null>();
function sourceLine(url: string, line: number, column: number): number {
  if (!url.startsWith('file://') || !/\.ts($|\?)/.test(url) || line !== 0) return line + 1;
  const file = fileURLToPath(url.split('?')[0]!);
  if (!maps.has(file)) {
    try {
      const { map } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: `node${process.versions.node}`, sourcemap: 'external', minifyWhitespace: true, keepNames: true, sourcefile: file });
      maps.set(file, columnsToLines((JSON.parse(map) as { mappings: string }).mappings));
    } catch {
      maps.set(file, null);
    }
  }
  const segments = maps.get(file);
  if (!segments) return line + 1;
  let found = line + 1;
  for (const [c, l] of segments) {
    if (c > column) break;
    found = l;
  }
  return found;
}

const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${areaOf(n.callFrame.url, n.callFrame.functionName)}:${sourceLine(n.callFrame.url, n.callFrame.lineNumber, n.callFrame.columnNumber)}`;

export function summarize(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    total += us;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + us);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  // Inclusive time per function, counting a function once per stack (recursion is not double-counted).
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    let sum = selfUs.get(id) ?? 0;
    const key = keyOf(node);
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const child of node.children ?? []) sum += walk(child, onStack);
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + sum);
    }
    return sum;
  };
  walk(profile.nodes[0]!.id, new Set());
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    self: sorted(self).slice(0, top).map(([fn, us]) => ({ fn, ms: us / 1000 })),
    areas: sorted(areas).slice(0, top).map(([area, us]) => ({ area, ms: us / 1000 })),
    inclusive: sorted(inclusive)
      .filter(([fn]) => / src\//.test(fn))
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: us / 1000 })),
  };
}
