// `npm run demo`: with `npm start` running, a campaign of a few hundred leads (DEMO_LEADS, default
// 300) on the simulator — created, imported, started, followed live, then its report. The same
// commands as the README's quickstart (cli/ctl.ts), on generated leads with Vietnamese names.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from './ctl.ts';

const N = Math.max(1, Math.min(5000, Number(process.env.DEMO_LEADS ?? 300) || 300));
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Thu', 'Quốc', 'Thanh', 'Hoàng', 'Ngọc'];
const GIVEN = [
  'An',
  'Bình',
  'Cường',
  'Dung',
  'Đức',
  'Hà',
  'Huy',
  'Lan',
  'Long',
  'Mai',
  'Nam',
  'Ngọc',
  'Phúc',
  'Quỳnh',
  'Sơn',
  'Thảo',
  'Tuấn',
  'Uyên',
  'Vinh',
  'Yến',
];
const PREFIXES = ['090', '091', '093', '094', '096', '097', '098', '032', '033', '035', '070', '077', '081', '083', '085', '088'];
const pick = <T>(a: T[]): T => a[Math.floor(Math.random() * a.length)]!;

const name = `Demo ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
const file = join(tmpdir(), `campaign-runner-demo-${process.pid}.csv`);
const rows = ['phone_number,ten,so_tien,han'];
const seen = new Set<string>();
while (rows.length <= N) {
  const n = pick(PREFIXES) + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');
  if (seen.has(n)) continue;
  seen.add(n);
  rows.push(
    `${n},${pick(FAMILY)} ${pick(MIDDLE)} ${pick(GIVEN)},${(1 + Math.floor(Math.random() * 50)) * 100000},${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}/07/2026`,
  );
}
writeFileSync(file, rows.join('\n') + '\n');

async function ctl(...args: string[]): Promise<void> {
  process.stdout.write(`\n$ npm run ctl -- ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}\n`);
  let code = 0;
  await buildProgram((c) => (code = c)).parseAsync(['node', 'ctl', ...args]);
  if (code) process.exit(code);
}

await ctl('create', name, '--template', 'Nhắc thanh toán (mẫu)', '--concurrent', '30');
await ctl('import', name, file);
await ctl('start', name);
await ctl('progress', name, '--watch');
await ctl('report', name);
process.stdout.write(`\nThe console shows it too: /console (sign in with the dev token), campaign "${name}".\n`);
