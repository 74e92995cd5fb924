import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import type { Alert, FlowRow, Refusal } from '../../src/registry/insights.ts';
import { TestPki } from '../support/pki.ts';
import { deliver, denialRecord, filingRecord, register, startTestRegistry, testConnector, usageRecord, type TestConnector, type TestRegistry } from './support.ts';

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

describe('operator views and alerts', () => {
  let pki: TestPki;
  let registry: TestRegistry;
  let hospital: TestConnector;
  let clinic: TestConnector;
  // The registry's clock: real time while connectors send (their tokens are checked against it), then frozen.
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    pki = await TestPki.create();
    registry = await startTestRegistry(pki, {}, undefined, clock);
    hospital = await testConnector(pki, registry, 'bj-hospital', 'CN');
    clinic = await testConnector(pki, registry, 'sh-clinic', 'CN');
    await register(registry, 'bj-hospital', 'CN', hospital.credentials);
    await register(registry, 'sh-clinic', 'CN', clinic.credentials);

    // Filings: due in 10 working days (New Year's Day inside the window), in 11, overdue, and another deadline type.
    await deliver(hospital, filingRecord('bj-hospital', 'agreement-due', { deadlines: [{ type: 'file_standard_contract', due: '2027-01-12', ref: 'scc-1' }] }));
    await deliver(hospital, filingRecord('bj-hospital', 'agreement-later', { deadlines: [{ type: 'file_standard_contract', due: '2027-01-13' }], grade: 'important' }));
    await deliver(clinic, filingRecord('sh-clinic', 'agreement-overdue', { deadlines: [{ type: 'file_standard_contract', due: '2026-12-25', ref: null }], destinationCountry: 'SG', domain: 'retail', at: '2026-11-27T02:00:00.000Z' }));
    // Assessments it relies on: one valid through the 60th working day from 28 December (2027-03-29), one a day later, one expired.
    const renewals = [['CAC-2026-1', '2027-03-29'], ['CAC-2026-2', '2027-03-30'], ['CAC-2023-9', '2026-12-27']].map(([ref, due]) => ({ type: 'renew_security_assessment', due: due!, ref: ref! }));
    await deliver(clinic, filingRecord('sh-clinic', 'agreement-other', { deadlines: [{ type: 'report_annually', due: '2026-12-01' }, ...renewals], destinationCountry: 'SG', exportPath: 'security_assessment', approvals: [{ kind: 'security_assessment', ref: 'CAC-2026-1' }] }));

    // Subjects this Beijing year: the hospital 79,999 (one below 80 % of 100,000), the clinic exactly 80,000.
    await deliver(hospital, usageRecord('bj-hospital', { agreement: 'agreement-due', newSubjects: 50_000, newSensitiveSubjects: 7_999, records: 100, bytes: 1000 }));
    await deliver(hospital, usageRecord('bj-hospital', { agreement: 'agreement-later', newSubjects: 29_998, records: 10, bytes: 100, at: '2026-11-26T05:00:00.000Z' }));
    await deliver(hospital, usageRecord('bj-hospital', { agreement: 'agreement-due', newSubjects: 1, records: 1, bytes: 1, at: '2025-12-31T16:00:00.000Z' })); // 1 Jan 2026 in Beijing
    await deliver(hospital, usageRecord('bj-hospital', { agreement: 'agreement-due', newSubjects: 5_000, records: 1, bytes: 1, at: '2025-12-31T15:59:59.000Z' })); // still 2025 in Beijing
    await deliver(clinic, usageRecord('sh-clinic', { agreement: 'agreement-overdue', destinationCountry: 'SG', newSubjects: 80_000, newSensitiveSubjects: 8_000, records: 5, bytes: 50 }));

    // Refusals.
    await deliver(hospital, denialRecord('bj-hospital', ['RESTRICTED_RECIPIENT', 'THRESHOLD_EXCEEDED'], { agreement: 'agreement-x' }));
    await deliver(clinic, denialRecord('sh-clinic', ['RESTRICTED_RECIPIENT'], { transfer: 'transfer-y', stage: 'data-plane' }));

    // Monday 28 December 2026, 09:00 in Beijing.
    clock.set('2026-12-28T01:00:00.000Z');
  });
  afterAll(async () => {
    await Promise.all([hospital?.close(), clinic?.close()]);
    await registry?.stop();
    pki.cleanup();
  });

  it('needs the API key', async () => {
    for (const path of ['/views/flows', '/views/refusals', '/alerts']) expect((await registry.operator('GET', path, undefined, 'wrong-key')).status).toBe(401);
  });

  it('counts agreements and usage per destination country, exporter, grade and export path', async () => {
    const byCountry = await registry.operator<{ by: string; groups: FlowRow[] }>('GET', '/views/flows?by=destinationCountry');
    expect(byCountry.status).toBe(200);
    expect(byCountry.body.groups).toEqual([
      { group: 'DE', agreements: 2, transfers: 4, records: 112, bytes: 1102, newSubjects: 84_999, newSensitiveSubjects: 7_999 },
      { group: 'SG', agreements: 2, transfers: 1, records: 5, bytes: 50, newSubjects: 80_000, newSensitiveSubjects: 8_000 },
    ]);
    const byExporter = await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=exporter');
    expect(byExporter.body.groups.map((g) => [g.group, g.agreements, g.newSubjects])).toEqual([['bj-hospital', 2, 84_999], ['sh-clinic', 2, 80_000]]);
    // Usage takes grade and export path from its agreement's filing.
    const byGrade = await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=grade');
    expect(byGrade.body.groups.map((g) => [g.group, g.agreements, g.transfers])).toEqual([['general', 3, 4], ['important', 1, 1]]);
    const byPath = await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=exportPath');
    expect(byPath.body.groups.map((g) => [g.group, g.agreements])).toEqual([['security_assessment', 1], ['standard_contract_or_certification', 3]]);
    const byDomain = await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=domain');
    expect(byDomain.body.groups.map((g) => g.group)).toEqual(['health', 'retail']);
  });

  it('filters by time and splits by Beijing day', async () => {
    const r = await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=exporter&from=2026-11-27&to=2026-11-28T00:00:00Z&interval=day');
    expect(r.status).toBe(200);
    expect(r.body.groups).toEqual([
      { group: 'bj-hospital', day: '2026-11-27', agreements: 0, transfers: 1, records: 100, bytes: 1000, newSubjects: 50_000, newSensitiveSubjects: 7_999 },
      { group: 'sh-clinic', day: '2026-11-27', agreements: 1, transfers: 1, records: 5, bytes: 50, newSubjects: 80_000, newSensitiveSubjects: 8_000 },
    ]);
    expect((await registry.operator('GET', '/views/flows?by=colour')).status).toBe(400);
    expect((await registry.operator('GET', '/views/flows?from=yesterday')).status).toBe(400);
  });

  it('lists refusals with their reason codes and counts per code', async () => {
    const r = await registry.operator<{ refusals: Refusal[]; counts: Record<string, number> }>('GET', '/views/refusals');
    expect(r.status).toBe(200);
    expect(r.body.counts).toEqual({ RESTRICTED_RECIPIENT: 2, THRESHOLD_EXCEEDED: 1 });
    expect(r.body.refusals.map((x) => [x.participant, x.subject, x.codes])).toEqual([
      ['bj-hospital', 'agreement-x', ['RESTRICTED_RECIPIENT', 'THRESHOLD_EXCEEDED']],
      ['sh-clinic', 'transfer-y', ['RESTRICTED_RECIPIENT']],
    ]);
  });

  it('alerts on filing deadlines, subject thresholds at 80 % and refused flows', async () => {
    const r = await registry.operator<{ alerts: Alert[] }>('GET', '/alerts');
    expect(r.status).toBe(200);
    const { alerts } = r.body;
    const filings = alerts.filter((a) => a.type.startsWith('standard_contract_filing'));
    expect(filings.map((a) => [a.type, a.severity, a.participant, a.subject, a.due])).toEqual([
      ['standard_contract_filing_due', 'warning', 'bj-hospital', 'agreement-due (scc-1)', '2027-01-12'],
      ['standard_contract_filing_overdue', 'critical', 'sh-clinic', 'agreement-overdue', '2026-12-25'],
    ]);
    // The hospital: 79,999 subjects and 7,999 sensitive (the 2025 record left out): no threshold alert. The clinic: 80,000 and 8,000.
    const thresholds = alerts.filter((a) => a.type === 'subjects_threshold');
    expect(thresholds.map((a) => [a.participant, a.subject, a.severity])).toEqual([
      ['sh-clinic', 'pi_subjects_standard_contract', 'warning'],
      ['sh-clinic', 'sensitive_subjects_security_assessment', 'warning'],
    ]);
    expect(thresholds[0]!.message).toContain('80000');
    expect(alerts.filter((a) => a.type === 'refused_flow').map((a) => [a.participant, a.subject])).toEqual([['bj-hospital', 'agreement-x'], ['sh-clinic', 'transfer-y']]);
  });

  it('alerts on security assessments near their last valid day (60 working days) and past it, from the filing records', async () => {
    const r = await registry.operator<{ alerts: Alert[] }>('GET', '/alerts');
    const assessments = r.body.alerts.filter((a) => a.type.startsWith('security_assessment'));
    expect(assessments.map((a) => [a.type, a.severity, a.participant, a.subject, a.due])).toEqual([
      ['security_assessment_expiring', 'warning', 'sh-clinic', 'CAC-2026-1', '2027-03-29'],
      ['security_assessment_expired', 'critical', 'sh-clinic', 'CAC-2023-9', '2026-12-27'],
    ]);
    expect(assessments[0]!.message).toContain('60 working day(s)');
  });

  it('moves filing alerts with the clock: the day after the window opens, agreement-later is due too', async () => {
    clock.set('2026-12-29T01:00:00.000Z');
    try {
      const r = await registry.operator<{ alerts: Alert[] }>('GET', '/alerts');
      expect(r.body.alerts.filter((a) => a.type === 'standard_contract_filing_due').map((a) => a.subject)).toEqual(['agreement-due (scc-1)', 'agreement-later']);
    } finally {
      clock.set('2026-12-28T01:00:00.000Z');
    }
  });

  it('answers alerts as CSV with a header row', async () => {
    const json = await registry.operator<{ alerts: Alert[] }>('GET', '/alerts');
    const r = await request(`${registry.operatorUrl}/alerts?format=csv`, { headers: { 'x-api-key': registry.apiKey } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(await r.body.text());
    expect(header).toEqual(['type', 'severity', 'participant', 'subject', 'due', 'message']);
    expect(rows.map((row) => Object.fromEntries(header!.map((h, i) => [h, row[i]!])))).toEqual(
      json.body.alerts.map((a) => ({ type: a.type, severity: a.severity, participant: a.participant, subject: a.subject, due: a.due ?? '', message: a.message })),
    );
    // Messages with commas survive the round trip.
    expect(rows.some((row) => row[5]!.includes(','))).toBe(true);
  });

  it('alerts with the thresholds and holidays of the policy data in force: a published bundle moves them', async () => {
    const thresholds = (JSON.parse(readFileSync(new URL('../../policies/data/thresholds.json', import.meta.url), 'utf8')) as { thresholds: Record<string, unknown> }).thresholds;
    const subjectAlerts = async () => (await registry.operator<{ alerts: Alert[] }>('GET', '/alerts')).body.alerts.filter((a) => a.type === 'subjects_threshold').map((a) => `${a.participant} ${a.subject}`);
    expect(await subjectAlerts()).toEqual(['sh-clinic pi_subjects_standard_contract', 'sh-clinic sensitive_subjects_security_assessment']);
    // 79,999 subjects is 80 % of 99,998: the hospital is near the lower threshold too.
    expect((await registry.operator('POST', '/policy-data', { thresholds: { ...thresholds, pi_subjects_standard_contract: 99_998 } })).status).toBe(201);
    try {
      expect(await subjectAlerts()).toEqual(['bj-hospital pi_subjects_standard_contract', 'sh-clinic pi_subjects_standard_contract', 'sh-clinic sensitive_subjects_security_assessment']);
    } finally {
      expect((await registry.operator('POST', '/policy-data', { thresholds })).status).toBe(201);
    }
    expect(await subjectAlerts()).toEqual(['sh-clinic pi_subjects_standard_contract', 'sh-clinic sensitive_subjects_security_assessment']);
  });

  it('reads the records once per process, then only those appended: concurrent views agree, a new record shows at once', async () => {
    const total = async () => (await registry.operator<{ groups: FlowRow[] }>('GET', '/views/flows?by=exporter')).body.groups.reduce((n, g) => n + g.records, 0);
    const before = await Promise.all([total(), total(), total()]);
    expect(new Set(before).size).toBe(1);
    await deliver(hospital, usageRecord('bj-hospital', { agreement: 'agreement-due', records: 7, bytes: 7, newSubjects: 0 }));
    const after = await Promise.all([total(), total(), total(), total()]);
    expect(after).toEqual([before[0]! + 7, before[0]! + 7, before[0]! + 7, before[0]! + 7]);
  });
});
