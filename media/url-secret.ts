// The secret a signed URL is keyed with: the configured one, else one kept in a file of the folder
// it signs for (created on first use, 0600), so every process sharing the folder signs alike.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const secrets = new Map<string, string>();

export function urlSecretOf(dir: string, configured: string | undefined): string {
  if (configured) return configured;
  const known = secrets.get(dir);
  if (known) return known;
  const file = join(dir, '.url-secret');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(file, 'utf8').trim();
  secrets.set(dir, secret);
  return secret;
}
