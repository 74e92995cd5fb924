/**
 * CSV exports: RFC 4180 (csv-stringify) with a header row and CRLF line ends. Cells hold what participants wrote
 * (ids, agreement names, reasons), so every cell that a spreadsheet would take for a formula (one that begins with
 * =, +, -, @, a tab or a carriage return) is prefixed with a single quote, as OWASP advises against CSV injection;
 * numbers stay numbers (a negative number keeps its sign). A missing value is an empty cell.
 */
import { stringify } from 'csv-stringify/sync';

export const csvDocument = <T extends object, K extends keyof T & string>(columns: readonly K[], rows: readonly T[]): string =>
  stringify(rows as T[], { header: true, columns: [...columns], record_delimiter: 'windows', escape_formulas: true, cast: { boolean: String } });
