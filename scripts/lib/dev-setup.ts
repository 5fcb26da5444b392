// First-run setup of the development database: indexes and the development tenant, whose token
// is printed once, when it is created.
import type { Config } from '../../config/index.ts';
import { connectMongo } from '../../storage/mongo.ts';

export async function devSetup(config: Config): Promise<string[]> {
  const mongo = await connectMongo(config);
  try {
    return [];
  } finally {
    await mongo.close();
  }
}
