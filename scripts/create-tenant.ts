// npm run tenant:create -- <name> [--time-zone Asia/Ho_Chi_Minh]
// npm run tenant:create -- <name> --rotate [--revoke-others]
//
// Creates a tenant (domain_uuid, name, time zone) and prints its API token once: only a hash is
// stored, so keep the token. `--rotate` issues a new token for an existing tenant (older tokens
// stay valid unless `--revoke-others`). Uses MONGODB_URI / MONGODB_DB like every other process.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/index.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { DEFAULT_TIME_ZONE } from '../domain/schedule.ts';
import { createTenant, rotateToken, tenantCallbackSecret, TenantError } from '../storage/tenants.ts';

const usage = `usage: npm run tenant:create -- <name> [--time-zone <IANA zone>] [--rotate [--revoke-others]] [--json]
  <name>           tenant name (unique)
  --time-zone      IANA time zone for timestamps and dialing windows (default ${DEFAULT_TIME_ZONE})
  --rotate         issue a new token for an existing tenant instead of creating one
  --revoke-others  with --rotate: invalidate the tenant's older tokens
  --json           print {"domain_uuid","name","time_zone","token","callback_secret"} as JSON`;

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      'time-zone': { type: 'string' },
      rotate: { type: 'boolean', default: false },
      'revoke-others': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (args.values.help || args.positionals.length !== 1) {
  process.stderr.write(`${usage}\n`);
  process.exit(args.values.help ? 0 : 2);
}

const config = loadConfigOrExit();
const mongo = await connectMongo(config).catch((err: Error) => {
  process.stderr.write(`cannot reach MongoDB at ${config.MONGODB_URI}: ${err.message}\n`);
  process.exit(1);
});
try {
  await ensureIndexes(mongo.db);
  const name = args.positionals[0]!;
  const { tenant, token } = args.values.rotate
    ? await rotateToken(mongo.db, name, args.values['revoke-others'])
    : await createTenant(mongo.db, { name, time_zone: args.values['time-zone'] });
  // The key of the X-Signature header on the tenant's callbacks (docs/callbacks.md).
  const callback_secret = await tenantCallbackSecret(mongo.db, tenant.domain_uuid);
  if (args.values.json) {
    process.stdout.write(`${JSON.stringify({ ...tenant, token, callback_secret })}\n`);
  } else {
    process.stdout.write(
      `tenant      ${tenant.name}\ndomain_uuid ${tenant.domain_uuid}\ntime zone   ${tenant.time_zone}\n` +
        `token       ${token}\ncallback secret ${callback_secret}\n\n` +
        `The token is shown only now (only its hash is stored). Use it as:\n` +
        `  Authorization: Bearer ${token}\n` +
        `The callback secret signs the callbacks POSTed to the campaigns' callback URLs (X-Signature).\n`,
    );
  }
} catch (err) {
  if (err instanceof TenantError) {
    process.stderr.write(`tenant:create: ${err.message}\n`);
    process.exitCode = 1;
  } else throw err;
} finally {
  await mongo.close();
}
