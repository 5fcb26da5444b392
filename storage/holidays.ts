// A tenant's holidays and restricted periods: one document, `_id` = domain_uuid, in
// `tenant_holidays`, written whole by PUT /v3/holidays (one write: nothing stored half). The run
// turns them into closed spans of its window (domain/compliance.ts closedSpans, activities/run.ts).
import type { Collection, Db } from 'mongodb';
import type { Holiday } from '../domain/compliance.ts';

export interface TenantHolidaysDoc {
  _id: string;
  holidays: Holiday[];
  /** Close on Vietnam's statutory public holidays too (domain/vn-holidays.ts). */
  vn_public_holidays: boolean;
  updated_at: Date;
}

export const tenantHolidaysOf = (db: Db): Collection<TenantHolidaysDoc> => db.collection<TenantHolidaysDoc>('tenant_holidays');

export async function getHolidays(db: Db, domain_uuid: string): Promise<{ holidays: Holiday[]; vn_public_holidays: boolean }> {
  const d = await tenantHolidaysOf(db).findOne({ _id: domain_uuid });
  return { holidays: d?.holidays ?? [], vn_public_holidays: d?.vn_public_holidays ?? false };
}

export async function putHolidays(db: Db, domain_uuid: string, v: { holidays: Holiday[]; vn_public_holidays: boolean }): Promise<void> {
  const holidays = v.holidays.map((h) => ({ name: h.name, start: h.start, end: h.end }));
  await tenantHolidaysOf(db).replaceOne(
    { _id: domain_uuid },
    { holidays, vn_public_holidays: v.vn_public_holidays, updated_at: new Date() },
    { upsert: true },
  );
}
