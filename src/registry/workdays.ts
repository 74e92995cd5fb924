/**
 * Working days in the Beijing calendar (policies/data/holidays.json): Monday to Friday, minus the statutory days off,
 * plus the make-up working days (weekend days that count as working days, as that file defines them).
 */
import { readFileSync } from 'node:fs';

export interface HolidayCalendar {
  daysOff: ReadonlySet<string>;
  makeUpWorkingDays: ReadonlySet<string>;
  /** Years the file covers; outside them only weekends are days off. */
  years: ReadonlySet<number>;
}

interface HolidayFile {
  holidays: { years: Record<string, { days_off: string[]; make_up_working_days: string[] }> };
}

const HOLIDAYS_FILE = new URL('../../policies/data/holidays.json', import.meta.url);

export function readHolidayCalendar(file: URL | string = HOLIDAYS_FILE): HolidayCalendar {
  return calendarOf((JSON.parse(readFileSync(file, 'utf8')) as HolidayFile).holidays);
}

/** The calendar of a `holidays` data document (as in policies/data/holidays.json or a published policy-data bundle). */
export function calendarOf(holidays: HolidayFile['holidays']): HolidayCalendar {
  const years = Object.entries(holidays.years);
  return {
    daysOff: new Set(years.flatMap(([, y]) => y.days_off)),
    makeUpWorkingDays: new Set(years.flatMap(([, y]) => y.make_up_working_days)),
    years: new Set(years.map(([year]) => Number(year))),
  };
}

let cached: HolidayCalendar | undefined;
/** The calendar of policies/data/holidays.json, read once. */
export const holidayCalendar = (): HolidayCalendar => (cached ??= readHolidayCalendar());

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The Beijing calendar date (YYYY-MM-DD) of an instant. */
export const beijingDate = (at: Date): string => new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);

const dayNumber = (date: string): number => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`);
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
};
const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export function isWorkingDay(date: string, calendar: HolidayCalendar = holidayCalendar()): boolean {
  if (calendar.makeUpWorkingDays.has(date)) return true;
  if (calendar.daysOff.has(date)) return false;
  const weekday = new Date(dayNumber(date) * DAY_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** Working days after `from` up to and including `to` (0 when `to` is `from` or earlier). */
export function workingDaysBetween(from: string, to: string, calendar: HolidayCalendar = holidayCalendar()): number {
  let count = 0;
  for (let day = dayNumber(from) + 1, end = dayNumber(to); day <= end; day++) if (isWorkingDay(dateOf(day), calendar)) count++;
  return count;
}

/** The date `n` working days after `from`. */
export function addWorkingDays(from: string, n: number, calendar: HolidayCalendar = holidayCalendar()): string {
  let day = dayNumber(from);
  for (let left = n; left > 0; ) if (isWorkingDay(dateOf(++day), calendar)) left--;
  return dateOf(day);
}
