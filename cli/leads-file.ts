// Reading a leads file for `ctl import`: CSV (csv-parse: a header row, UTF-8 with or without BOM,
// `,` or `;`) or XLSX (exceljs: the first sheet or --sheet, the first row as headers), then the
// column mapping — one column is the phone number, the others become the lead's `param` under
// their header or the name --map gives them — and the checks that can be made before anything is
// sent: a phone number that is there and can be dialed, and a value for every placeholder of the
// campaign's template. A row that fails is reported with its row number as the file shows it.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { parsePhone } from '../domain/phone.ts';

export interface Row {
  /** The row number as a spreadsheet shows it (the header is row 1). */
  line: number;
  cells: Record<string, string>;
}

export interface LeadRow {
  line: number;
  phone_number: string;
  param: Record<string, string>;
}

export interface RowError {
  line: number;
  phone_number: string;
  error: string;
}

/** Read a .csv or .xlsx file into rows of trimmed strings by header. */
export async function readRows(file: string, sheet?: string): Promise<{ headers: string[]; rows: Row[] }> {
  const ext = extname(file).toLowerCase();
  if (ext === '.xlsx') return readXlsx(file, sheet);
  if (ext === '.csv' || ext === '.txt') return readCsv(readFileSync(file, 'utf8'));
  throw new Error(`${file}: a .csv or .xlsx file, please`);
}

export function readCsv(text: string): { headers: string[]; rows: Row[] } {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const records: string[][] = parse(text, { bom: true, delimiter, relax_column_count: true, skip_empty_lines: false, trim: true });
  const headers = (records[0] ?? []).map((h) => h.trim());
  const rows: Row[] = [];
  records.slice(1).forEach((r, i) => {
    if (r.every((v) => v === '')) return; // an empty line
    rows.push({ line: i + 2, cells: Object.fromEntries(headers.map((h, j) => [h, (r[j] ?? '').trim()])) });
  });
  return { headers, rows };
}

async function readXlsx(file: string, sheet?: string): Promise<{ headers: string[]; rows: Row[] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = sheet ? wb.getWorksheet(sheet) : wb.worksheets[0];
  if (!ws) throw new Error(sheet ? `${file}: no sheet named "${sheet}"` : `${file}: no sheet`);
  const text = (v: ExcelJS.CellValue): string => {
    if (v === null || v === undefined) return '';
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    if (typeof v === 'object') {
      if ('text' in v && typeof v.text === 'string') return v.text; // hyperlink
      if ('richText' in v) return v.richText.map((p) => p.text).join('');
      if ('result' in v) return text(v.result as ExcelJS.CellValue); // formula
      return '';
    }
    return String(v);
  };
  const headerRow = ws.getRow(1);
  const headers: string[] = [];
  for (let c = 1; c <= ws.columnCount; c++) headers.push(text(headerRow.getCell(c).value).trim());
  const rows: Row[] = [];
  for (let r = 2; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const cells = Object.fromEntries(headers.map((h, j) => [h, text(row.getCell(j + 1).value).trim()]));
    if (Object.values(cells).every((v) => v === '')) continue;
    rows.push({ line: r, cells });
  }
  return { headers, rows };
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/gi, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Headers taken as the phone number when --phone is not given. */
const PHONE_HEADERS = ['phone_number', 'phone', 'phonenumber', 'sdt', 'sodienthoai', 'dienthoai', 'mobile', 'msisdn', 'number'];

export function phoneColumn(headers: string[], given?: string): string {
  if (given) {
    const h = headers.find((x) => x === given) ?? headers.find((x) => fold(x) === fold(given));
    if (!h) throw new Error(`no column "${given}" (columns: ${headers.join(', ')})`);
    return h;
  }
  for (const want of PHONE_HEADERS) {
    const h = headers.find((x) => fold(x) === want);
    if (h) return h;
  }
  throw new Error(
    `which column is the phone number? none is named phone_number, phone or sdt: use --phone <column> (columns: ${headers.join(', ')})`,
  );
}

/** `--map "Họ tên=ten"`: column → param name; unmapped columns keep their header as their name. */
export function parseMaps(maps: string[], headers: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of maps) {
    const i = m.lastIndexOf('=');
    if (i <= 0 || i === m.length - 1) throw new Error(`--map "${m}": write column=param`);
    const col = m.slice(0, i).trim();
    const h = headers.find((x) => x === col) ?? headers.find((x) => fold(x) === fold(col));
    if (!h) throw new Error(`--map "${m}": no column "${col}" (columns: ${headers.join(', ')})`);
    out.set(h, m.slice(i + 1).trim());
  }
  return out;
}

/**
 * Rows → leads, and the rows that cannot be imported: no phone number, one that cannot be dialed
 * (unless keepInvalid: the API stores it as an invalid lead, never dialed), a placeholder of the
 * template without a value.
 */
export function toLeads(
  rows: Row[],
  o: { phone: string; maps: Map<string, string>; onlyMapped: boolean; required: string[]; keepInvalid: boolean },
): { leads: LeadRow[]; errors: RowError[] } {
  const leads: LeadRow[] = [];
  const errors: RowError[] = [];
  for (const r of rows) {
    const phone_number = r.cells[o.phone] ?? '';
    const param: Record<string, string> = {};
    for (const [h, v] of Object.entries(r.cells)) {
      if (h === o.phone || !h) continue;
      const name = o.maps.get(h) ?? (o.onlyMapped ? undefined : h);
      if (name) param[name] = v;
    }
    if (!phone_number) {
      errors.push({ line: r.line, phone_number, error: `no phone number (column "${o.phone}" is empty)` });
      continue;
    }
    const p = parsePhone(phone_number);
    if (!p.ok && !o.keepInvalid) {
      errors.push({ line: r.line, phone_number, error: `not a phone number that can be dialed: ${p.message}` });
      continue;
    }
    const missing = o.required.filter((k) => param[k] === undefined || param[k] === '');
    if (missing.length) {
      errors.push({
        line: r.line,
        phone_number,
        error: `no value for ${missing.map((m) => `{{${m}}}`).join(', ')} (the template needs it)`,
      });
      continue;
    }
    leads.push({ line: r.line, phone_number, param });
  }
  return { leads, errors };
}

/** The errors file: CSV with the row number, the phone number and why (UTF-8 with BOM for Excel). */
export function errorsCsv(errors: RowError[]): string {
  const q = (s: string | number) => `"${String(s).replace(/"/g, '""')}"`;
  return (
    '\uFEFF' +
    [
      'row,phone_number,error',
      ...errors.sort((a, b) => a.line - b.line).map((e) => [e.line, q(e.phone_number), q(e.error)].join(',')),
    ].join('\n') +
    '\n'
  );
}
