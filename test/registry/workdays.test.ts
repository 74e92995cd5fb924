import { describe, expect, it } from 'vitest';
import { addWorkingDays, beijingDate, isWorkingDay, workingDaysBetween } from '../../src/registry/workdays.ts';

describe('working days in the Beijing calendar (policies/data/holidays.json)', () => {
  it('counts Monday to Friday, minus statutory days off, plus make-up working days', () => {
    expect(isWorkingDay('2026-11-27')).toBe(true); // Friday
    expect(isWorkingDay('2026-11-28')).toBe(false); // Saturday
    expect(isWorkingDay('2026-10-01')).toBe(false); // National Day, a Thursday
    expect(isWorkingDay('2026-10-10')).toBe(true); // Saturday make-up working day
    expect(isWorkingDay('2027-01-01')).toBe(false); // New Year, a Friday
  });

  it('counts the working days after one date up to and including another', () => {
    expect(workingDaysBetween('2026-11-27', '2026-11-27')).toBe(0);
    expect(workingDaysBetween('2026-11-27', '2026-11-30')).toBe(1);
    // 28 Dec 2026 (Mon) to 12 Jan 2027: 12 weekdays, less New Year's Day.
    expect(workingDaysBetween('2026-12-28', '2027-01-12')).toBe(10);
    expect(addWorkingDays('2026-12-28', 10)).toBe('2027-01-12');
    // National Day week 2026, with its make-up Saturday.
    expect(workingDaysBetween('2026-09-30', '2026-10-10')).toBe(3); // 8 Oct (Thu), 9 Oct (Fri), 10 Oct (make-up Saturday)
  });

  it('takes the calendar date in Beijing time', () => {
    expect(beijingDate(new Date('2025-12-31T15:59:59Z'))).toBe('2025-12-31');
    expect(beijingDate(new Date('2025-12-31T16:00:00Z'))).toBe('2026-01-01');
  });
});
