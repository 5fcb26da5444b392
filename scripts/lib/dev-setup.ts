// First-run setup of the development database: indexes and the development tenant. Its token is
// kept in DATA_DIR/dev-token (mode 600, local development only) so every `npm start` can show it;
// the database itself stores only the token's hash.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/index.ts';
import { connectMongo } from '../../storage/mongo.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { ensureDevTenant } from '../../storage/tenants.ts';

export async function devSetup(config: Config, dataDir: string): Promise<string[]> {
  const mongo = await connectMongo(config);
  try {
    await ensureIndexes(mongo.db);
    const file = join(dataDir, 'dev-token');
    const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
    const { tenant, token, created } = await ensureDevTenant(mongo.db, kept ? { token: kept } : {});
    if (token && token !== kept) writeFileSync(file, `${token}\n`, { mode: 0o600 });
    if (!token) {
      return [`  Dev tenant   "${tenant.name}" exists, its token is not kept here: npm run tenant:create -- ${tenant.name} --rotate`];
    }
    return [
      `  Dev tenant   ${tenant.name} (${tenant.domain_uuid}), ${created ? 'created now' : `token kept in ${file}`}`,
      `  Token        ${token}`,
      `               curl -H 'Authorization: Bearer ${token}' http://${config.API_HOST}:${config.API_PORT}/v3/campaign`,
    ];
  } finally {
    await mongo.close();
  }
}
