// The shared servers the global setup started are the real ones and answer.
import { Connection } from '@temporalio/client';
import { inject, describe, expect, it } from 'vitest';
import { connectMongo } from '../../storage/mongo.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';
import { testConfig } from '../helpers/env.ts';

describe('local stack', () => {
  it('Temporal has the namespace and every search attribute registered', async () => {
    const conn = await Connection.connect({ address: inject('TEMPORAL_ADDRESS') });
    try {
      const res = await conn.operatorService.listSearchAttributes({ namespace: inject('TEMPORAL_NAMESPACE') });
      for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
        expect(res.customAttributes?.[name], name).toBe(
          // temporal.api.enums.v1.IndexedValueType
          { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 }[type],
        );
      }
    } finally {
      await conn.close();
    }
  });

  it('the MongoDB-compatible store keeps and finds documents, and enforces unique indexes', async () => {
    const mongo = await connectMongo(testConfig());
    try {
      const col = mongo.db.collection('probe');
      await col.createIndex({ k: 1 }, { unique: true });
      await col.insertOne({ k: 'a', n: 1 });
      await expect(col.insertOne({ k: 'a', n: 2 })).rejects.toMatchObject({ code: 11000 });
      expect(await col.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ k: 'a', n: 1 }]);
    } finally {
      await mongo.db.dropDatabase();
      await mongo.close();
    }
  });
});
