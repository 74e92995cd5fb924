/**
 * The operator dashboard in headless Chromium against a real registry fed signed records over mutual TLS: what the page
 * draws and lists is compared with what the operator API answers, the key never leaves the page except as a header.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { DASHBOARD_CSP } from '../../src/registry/dashboard/routes.ts';
import { FLOW_GROUPS, type Alert, type FlowRow, type Refusal } from '../../src/registry/insights.ts';
import { launchChromium } from '../support/browser.ts';
import { TestPki } from '../support/pki.ts';
import { deliver, denialRecord, filingRecord, register, startTestRegistry, testConnector, usageRecord, type TestConnector, type TestRegistry } from './support.ts';

// Monday 28 December 2026, 09:00 in Beijing: agreement-due is due within the filing window, agreement-overdue is late.
const FROZEN = '2026-12-28T01:00:00.000Z';

describe('operator dashboard in headless Chromium', () => {
  let pki: TestPki;
  let registry: TestRegistry;
  let hospital: TestConnector;
  let clinic: TestConnector;
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];
  // Only the wrong-key test expects the browser to report a 401.
  let refusalExpected = false;
  // KOUAN_TEST_SCREENSHOTS keeps them in a folder of one's choosing, to look at.
  const keep = process.env.KOUAN_TEST_SCREENSHOTS;
  const screenshots = keep ? (mkdirSync(keep, { recursive: true }), keep) : mkdtempSync(join(tmpdir(), 'kouan-dashboard-'));
  // The registry's clock: real time while connectors send (their tokens are checked against it), frozen while the page reads.
  const clock = new ManualClock(Date.now());
  const send = async (connector: TestConnector, record: Record<string, unknown>) => {
    clock.set(Date.now());
    try {
      await deliver(connector, record);
    } finally {
      clock.set(FROZEN);
    }
  };
  const api = async <T>(path: string): Promise<T> => {
    const r = await registry.operator<T>('GET', path);
    expect(r.status, path).toBe(200);
    return r.body;
  };

  /** A fresh tab at 1280×800 that records console errors, page errors and CSP violations. */
  const open = async (fragment: string, before?: (page: Page) => Promise<void>): Promise<Page> => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && !(refusalExpected && m.text().includes('status of 401')) && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await before?.(page);
    await page.goto(`${registry.dashboardUrl}${fragment}`);
    return page;
  };
  const ready = (page: Page) => page.waitForSelector('body[data-state="ready"]', { state: 'attached' });
  const cells = (page: Page, table: string) => page.$$eval(`#${table} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));

  beforeAll(async () => {
    browser = await launchChromium();
    pki = await TestPki.create();
    registry = await startTestRegistry(pki, {}, undefined, clock);
    hospital = await testConnector(pki, registry, 'bj-hospital', 'CN');
    clinic = await testConnector(pki, registry, 'sh-clinic', 'CN');
    await register(registry, 'bj-hospital', 'CN', hospital.credentials, { creditGrade: 'A' });
    await register(registry, 'sh-clinic', 'CN', clinic.credentials, { creditGrade: 'B', ftz: 'CN-SH-FTZ' });
    await register(registry, 'pharma-de', 'DE', pki.issue('pharma-de', 'DE'));

    await send(hospital, filingRecord('bj-hospital', 'agreement-due', { deadlines: [{ type: 'file_standard_contract', due: '2027-01-12', ref: 'scc-1' }] }));
    await send(clinic, filingRecord('sh-clinic', 'agreement-overdue', { deadlines: [{ type: 'file_standard_contract', due: '2026-12-25', ref: null }], destinationCountry: 'SG', domain: 'retail', grade: 'important', at: '2026-11-27T02:00:00.000Z' }));
    await send(clinic, filingRecord('sh-clinic', 'agreement-sa', { destinationCountry: 'SG', exportPath: 'security_assessment', approvals: [{ kind: 'security_assessment', ref: 'CAC-2026-1' }], at: '2026-11-25T02:00:00.000Z' }));
    await send(hospital, usageRecord('bj-hospital', { agreement: 'agreement-due', records: 100, bytes: 2_000_000, newSubjects: 10 }));
    await send(hospital, usageRecord('bj-hospital', { agreement: 'agreement-due', records: 40, bytes: 300_000, newSubjects: 5, at: '2026-11-26T05:00:00.000Z' }));
    // 85,000 subjects this Beijing year: 85 % of the standard-contract threshold.
    await send(clinic, usageRecord('sh-clinic', { agreement: 'agreement-overdue', destinationCountry: 'SG', records: 5, bytes: 50_000, newSubjects: 85_000 }));
    await send(clinic, usageRecord('sh-clinic', { agreement: 'agreement-sa', destinationCountry: 'SG', records: 7, bytes: 9_000_000, newSubjects: 0, at: '2026-11-25T03:00:00.000Z' }));
    await send(hospital, denialRecord('bj-hospital', ['RESTRICTED_RECIPIENT', 'THRESHOLD_EXCEEDED'], { agreement: 'agreement-x' }));
    await send(clinic, denialRecord('sh-clinic', ['CONTRACT_FILING_OVERDUE'], { transfer: 'transfer-y', stage: 'data-plane', at: '2026-11-27T04:00:00.000Z' }));
  });
  afterEach(async () => {
    refusalExpected = false;
    await context?.close();
    expect(problems.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([hospital?.close(), clinic?.close()]);
    await registry?.stop();
    pki?.cleanup();
    if (!keep) rmSync(screenshots, { recursive: true, force: true });
  });

  it('serves the page without the key, under a same-origin Content-Security-Policy; the data still needs the key', async () => {
    const page = await request(registry.dashboardUrl);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(await page.body.text()).toContain('<script type="module" src="/dashboard/dashboard.js">');
    const script = await request(`${registry.dashboardUrl}/dashboard.js`);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    await script.body.dump();
    expect((await registry.operator('GET', '/views/flows', undefined, 'not-the-key')).status).toBe(401);
  });

  it('takes the key from the fragment, removes it from the address bar and sends it only as the x-api-key header', async () => {
    const sent: Array<{ url: string; key: string | undefined }> = [];
    const page = await open(`#key=${encodeURIComponent(registry.apiKey)}`, async (p) => {
      p.on('request', (r) => sent.push({ url: r.url(), key: r.headers()['x-api-key'] }));
    });
    await ready(page);
    expect(page.url()).toBe(registry.dashboardUrl);
    expect(await page.evaluate<string[]>('[location.hash, JSON.stringify(sessionStorage), JSON.stringify(localStorage)]')).toEqual(['', '{}', '{}']);
    const apiCalls = sent.filter((r) => r.url.includes('/operator/v1/'));
    expect(apiCalls.length).toBeGreaterThanOrEqual(7);
    for (const r of sent) expect(r.url).not.toContain(registry.apiKey);
    for (const r of apiCalls) expect(r.key).toBe(registry.apiKey);
    // The page itself and its assets go without it.
    for (const r of sent.filter((x) => x.url.includes('/dashboard'))) expect(r.key).toBeUndefined();
  });

  it('charts records and bytes for every grouping, and per Beijing day, as the flows views answer', async () => {
    const page = await open(`#key=${encodeURIComponent(registry.apiKey)}`);
    await ready(page);
    const bars = (chart: string) =>
      page.$$eval(`#${chart} rect.bar`, (rects) => rects.map((r) => ({ group: r.getAttribute('data-group'), day: r.getAttribute('data-day'), value: Number(r.getAttribute('data-value')), width: Number(r.getAttribute('width')) })));
    for (const by of FLOW_GROUPS) {
      await page.selectOption('#group', by);
      await page.waitForSelector(`#chart-time[data-by="${by}"]`, { state: 'attached' });
      const { groups } = await api<{ groups: FlowRow[] }>(`/views/flows?by=${by}`);
      expect(groups.length).toBeGreaterThan(0);
      const records = await bars('chart-records');
      const bytes = await bars('chart-bytes');
      expect(records.map((b) => [b.group, b.value])).toEqual(groups.map((g) => [g.group, g.records]));
      expect(bytes.map((b) => [b.group, b.value])).toEqual(groups.map((g) => [g.group, g.bytes]));
      // Longer bar, larger value.
      for (const chart of [records, bytes]) {
        const byValue = [...chart].sort((a, b) => a.value - b.value);
        expect(byValue.map((b) => b.width)).toEqual([...byValue.map((b) => b.width)].sort((a, b) => a - b));
        expect(byValue.at(-1)!.width).toBeGreaterThan(byValue[0]!.width);
      }
      const perDay = (await api<{ groups: FlowRow[] }>(`/views/flows?by=${by}&interval=day`)).groups.filter((g) => g.records > 0);
      const drawn = await bars('chart-time');
      expect(drawn.map((b) => `${b.day} ${b.group} ${b.value}`).sort()).toEqual(perDay.map((g) => `${g.day} ${g.group} ${g.records}`).sort());
      expect(new Set(drawn.map((b) => b.day)).size).toBe(3);
    }
    await page.selectOption('#measure', 'bytes');
    const perDay = (await api<{ groups: FlowRow[] }>(`/views/flows?by=exporter&interval=day`)).groups.filter((g) => g.bytes > 0);
    expect((await bars('chart-time')).map((b) => `${b.day} ${b.group} ${b.value}`).sort()).toEqual(perDay.map((g) => `${g.day} ${g.group} ${g.bytes}`).sort());
  });

  it('lists the alerts, refused flows with reason codes, participants with their grade and the ledger head; the CSV downloads', async () => {
    const page = await open(`#key=${encodeURIComponent(registry.apiKey)}`);
    await ready(page);
    const { alerts } = await api<{ alerts: Alert[] }>('/alerts');
    expect(alerts.map((a) => a.type).sort()).toEqual(['refused_flow', 'refused_flow', 'standard_contract_filing_due', 'standard_contract_filing_overdue', 'subjects_threshold']);
    const alertRows = await cells(page, 'alerts');
    expect(alertRows.map(([severity, , participant, subject, due, message]) => [severity, participant, subject, due, message])).toEqual(
      alerts.map((a) => [a.severity, a.participant, a.subject, a.due ?? '—', a.message]),
    );
    expect(await page.$$eval('#alerts .kind', (k) => k.map((x) => x.getAttribute('data-type')))).toEqual(alerts.map((a) => a.type));
    expect(await page.$$eval('#alert-counts .chip', (c) => c.map((x) => [x.getAttribute('data-key'), Number(x.getAttribute('data-count'))]))).toEqual([
      ['standard_contract_filing_due', 1],
      ['standard_contract_filing_overdue', 1],
      ['subjects_threshold', 1],
      ['refused_flow', 2],
    ]);

    const { refusals, counts } = await api<{ refusals: Refusal[]; counts: Record<string, number> }>('/views/refusals');
    const refusalRows = await cells(page, 'refusals');
    expect(refusalRows.map(([, participant, stage, consumer, destination, subject]) => [participant, stage, consumer, destination, subject])).toEqual(
      [...refusals].reverse().map((r) => [r.participant, r.stage, r.consumer, r.destinationCountry, r.subject]),
    );
    expect(await page.$$eval('#refusals tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('.code')].map((c) => c.textContent)))).toEqual([...refusals].reverse().map((r) => r.codes));
    expect(await page.$$eval('#refusal-counts .chip', (c) => Object.fromEntries(c.map((x) => [x.getAttribute('data-key'), Number(x.getAttribute('data-count'))])))).toEqual(counts);

    const participants = await api<Array<{ id: string; country: string; creditGrade: string | null; status: string }>>('/participants');
    const credit = new Map((await api<{ participants: Array<{ participant: string; grade: string; score: number; rate: number; revocations: unknown[] }> }>('/credit')).participants.map((c) => [c.participant, c]));
    expect((await cells(page, 'participants')).map(([id, , country, , , grade, rate, revoked, status]) => [id, country, grade, rate, revoked, status])).toEqual(
      participants.map((p) => {
        const c = credit.get(p.id)!;
        return [p.id, p.country, `${c.grade} · ${c.score}`, `${+(c.rate * 100).toFixed(2)} %`, String(c.revocations.length), p.status];
      }),
    );
    // The operator set B for the clinic: the grade in effect is at least as strict.
    expect(['B', 'C', 'D']).toContain(credit.get('sh-clinic')!.grade);

    const head = await api<{ seq: number; hash: string }>('/ledger/head');
    expect(await page.getAttribute('#head-seq', 'data-seq')).toBe(String(head.seq));
    expect(await page.getAttribute('#head-hash', 'data-hash')).toBe(head.hash);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#alerts-csv')]);
    expect(download.suggestedFilename()).toBe('kouan-alerts.csv');
    const csv = await request(`${registry.operatorUrl}/alerts?format=csv`, { headers: { 'x-api-key': registry.apiKey } });
    expect(readFileSync(await download.path(), 'utf8')).toBe(await csv.body.text());
  });

  it('refreshes every 10 seconds', async () => {
    const page = await open(`#key=${encodeURIComponent(registry.apiKey)}`, (p) => p.clock.install());
    await ready(page);
    const before = await api<{ seq: number }>('/ledger/head');
    expect(await page.getAttribute('#head-seq', 'data-seq')).toBe(String(before.seq));
    await send(clinic, denialRecord('sh-clinic', ['DESTINATION_NOT_ALLOWED'], { transfer: 'transfer-z' }));
    // No timer has fired: the page still shows the old head.
    expect(await page.getAttribute('#head-seq', 'data-seq')).toBe(String(before.seq));
    await page.clock.runFor(10_000);
    await page.waitForSelector(`#head-seq[data-seq="${before.seq + 1}"]`, { state: 'attached' });
    await page.waitForSelector('#refusals .code:text-is("DESTINATION_NOT_ALLOWED")');
  });

  it('shows the refusal and no data for a wrong key, then opens with the right key typed in', async () => {
    refusalExpected = true;
    const page = await open('#key=not-the-operator-key');
    await page.waitForSelector('body[data-state="denied"]', { state: 'attached' });
    expect(await page.textContent('#status')).toContain('REGISTRY_OPERATOR_UNAUTHORIZED');
    expect(await page.isVisible('#status')).toBe(true);
    expect(await page.isVisible('main')).toBe(false);
    expect(await page.isVisible('#key')).toBe(true);
    expect(await page.$$('#alerts tbody tr, #refusals tbody tr, #participants tbody tr, rect.bar')).toHaveLength(0);
    expect(await page.getAttribute('#head-seq', 'data-seq')).toBeNull();
    await page.screenshot({ path: join(screenshots, 'denied.png') });

    await page.fill('#key', registry.apiKey);
    await page.click('#key-form button[type="submit"]');
    await ready(page);
    expect(await page.isVisible('#status')).toBe(false);
    expect(await page.inputValue('#key')).toBe('');
    expect((await cells(page, 'participants')).length).toBe(3);
  });

  it('fits a 1280×800 window and takes a screenshot', async () => {
    const page = await open(`#key=${encodeURIComponent(registry.apiKey)}`);
    await ready(page);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    for (const [file, fullPage, by] of [['dashboard.png', false, 'destinationCountry'], ['dashboard-full.png', true, 'exportPath']] as const) {
      await page.selectOption('#group', by);
      await page.waitForSelector(`#chart-time[data-by="${by}"]`, { state: 'attached' });
      const path = join(screenshots, file);
      await page.screenshot({ path, fullPage });
      expect(readFileSync(path).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(statSync(path).size).toBeGreaterThan(10_000);
    }
  });
});
