/**
 * The operator dashboard: one page with its script and stylesheet, served publicly by the operator app. The page holds
 * no data; it reads the operator API with the key the operator types in (or passes in the URL fragment, which never
 * reaches the server) and keeps that key in memory only (docs/decisions/2026-11-27-dashboard-key-in-memory.md).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** Everything the page loads comes from this origin; nothing inline, no frames, no forms posted anywhere. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const FILES = [
  { url: '/dashboard', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/dashboard/dashboard.js', file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { url: '/dashboard/charts.js', file: 'charts.js', type: 'text/javascript; charset=utf-8' },
  { url: '/dashboard/dashboard.css', file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  { url: '/dashboard/favicon.svg', file: 'favicon.svg', type: 'image/svg+xml' },
] as const;

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  for (const { url, file, type } of FILES) {
    // Read once at start: a few small files, and a missing one fails the start rather than a request.
    const body = readFileSync(new URL(file, import.meta.url));
    app.get(url, { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.headers(HEADERS).type(type).send(body));
  }
}
