// First-run setup of the development database: indexes, the development tenant and what dialing
// needs on the simulator — a carrier for the simulator's gateway and a sample text-to-speech
// template in Vietnamese (each created once, by name; a tenant's own changes are kept). The
// tenant's token is kept in DATA_DIR/dev-token (mode 600, local development only) so every
// `npm start` can show it; the database itself stores only the token's hash. The operator API's
// token (ADMIN_TOKEN) is kept likewise in DATA_DIR/admin-token unless the environment sets one.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/index.ts';
import { connectMongo } from '../../storage/mongo.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { carriers, templates } from '../../storage/directory.ts';
import { ensureDevTenant } from '../../storage/tenants.ts';

/** The carrier every dev call goes out through: the simulator accepts any gateway name. */
export const DEV_CARRIER = {
  carrier_name: 'Simulator',
  gateway: 'simulator',
  caller_numbers: ['02873000000'],
  networks: ['viettel', 'mobi', 'vina', 'tel', 'offnet'],
  cps: 20,
  description: 'The FreeSWITCH simulator of npm start (any gateway name is up there)',
} as const;

/** A sample reminder in Vietnamese: three placeholders and a key press (1 = confirm, 2 = call me back). */
export const DEV_TEMPLATE = {
  template_name: 'Nhắc thanh toán (mẫu)',
  type_autocall: 'autocall_voice_tts' as const,
  content:
    'Xin chào {{ten}}. Đây là cuộc gọi tự động nhắc lịch thanh toán. Khoản thanh toán {{so_tien}} đồng của quý khách đến hạn vào ngày {{han}}. Nhấn phím 1 để xác nhận, phím 2 nếu quý khách muốn được gọi lại. Xin cảm ơn.',
  audio_file: '',
  otp_param: 'otp',
  otp_repeat: 2,
  digits: { min: 1, max: 1, tries: 1, timeout_ms: 4000, terminators: 'none', regexp: '^[12]$', digit_timeout_ms: 2000 },
  description: 'Sample template of npm start: {{ten}} (name), {{so_tien}} (amount), {{han}} (due date)',
};

export interface DevSetup {
  lines: string[];
  /** The operator API's token for the API process (the environment's, or the kept one). */
  adminToken: string;
}

export async function devSetup(config: Config, dataDir: string): Promise<DevSetup> {
  const mongo = await connectMongo(config);
  try {
    await ensureIndexes(mongo.db);
    const file = join(dataDir, 'dev-token');
    const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
    const { tenant, token, created } = await ensureDevTenant(mongo.db, kept ? { token: kept } : {});
    if (token && token !== kept) writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const made = await ensureDialing(mongo.db, tenant.domain_uuid);
    const adminToken = config.ADMIN_TOKEN ?? keptAdminToken(dataDir);
    const dialing = [
      `  Dialing      carrier "${DEV_CARRIER.carrier_name}", template "${DEV_TEMPLATE.template_name}"${made.length ? ` (${made.join(', ')} created now)` : ''}`,
    ];
    if (!token) {
      return {
        adminToken,
        lines: [
          `  Dev tenant   "${tenant.name}" exists, its token is not kept here: npm run tenant:create -- ${tenant.name} --rotate`,
          ...dialing,
        ],
      };
    }
    return {
      adminToken,
      lines: [
        `  Dev tenant   ${tenant.name} (${tenant.domain_uuid}), ${created ? 'created now' : `token kept in ${file}`}`,
        `  Token        ${token}`,
        `               curl -H 'Authorization: Bearer ${token}' http://${config.API_HOST}:${config.API_PORT}/v3/campaign`,
        ...dialing,
      ],
    };
  } finally {
    await mongo.close();
  }
}

/** The dev tenant's carrier and sample template, created when missing (by name). */
async function ensureDialing(db: Parameters<typeof carriers>[0], domain_uuid: string): Promise<string[]> {
  const made: string[] = [];
  const hasCarrier =
    (await carriers(db).list(domain_uuid, { limit: 1, offset: 0, filter: { carrier_name: DEV_CARRIER.carrier_name } })).total > 0;
  if (!hasCarrier) {
    await carriers(db).create(domain_uuid, {
      ...DEV_CARRIER,
      caller_numbers: [...DEV_CARRIER.caller_numbers],
      networks: [...DEV_CARRIER.networks],
    });
    made.push('carrier');
  }
  const hasTemplate =
    (await templates(db).list(domain_uuid, { limit: 1, offset: 0, filter: { template_name: DEV_TEMPLATE.template_name } })).total > 0;
  if (!hasTemplate) {
    await templates(db).create(domain_uuid, DEV_TEMPLATE);
    made.push('template');
  }
  return made;
}

function keptAdminToken(dataDir: string): string {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `cradm_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
