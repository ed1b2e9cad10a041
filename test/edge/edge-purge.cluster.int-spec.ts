import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CacheService, EdgePurgeService, HttpCacheService } from 'nestjs-rediskit';
import { RedisClusterFixture } from '../harness/index.js';
import { CdnStub, fastlyTags } from './cdn-stub.js';
import { bootEdge, QUICK_RETRY, TOKEN } from './edge-fixtures.js';

describe('EdgePurgeService on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  let stub: CdnStub;
  beforeAll(async () => {
    [cluster, stub] = await Promise.all([RedisClusterFixture.start(), CdnStub.start()]);
  });
  afterAll(async () => {
    await Promise.all([cluster?.stop(), stub?.stop()]);
  });

  it('tag invalidations and the HTTP cache clear() purge the CDN, whatever slot the tags are in', async () => {
    const app = await bootEdge({ cluster: { nodes: cluster.addresses } }, { fastly: { serviceId: 'svc', apiKey: TOKEN, endpoint: stub.url }, retry: QUICK_RETRY });
    try {
      const tags = Array.from({ length: 30 }, (_, i) => `user:${i}`);
      await app.get(CacheService).invalidateTags(tags);
      await app.get(HttpCacheService).invalidateTags(['products']);
      await app.get(HttpCacheService).clear();
      await app.get(EdgePurgeService).flush();
      expect(stub.requests.map((r) => r.url)).toEqual(['/service/svc/purge', '/service/svc/purge', '/service/svc/purge_all']);
      expect(stub.tagsOf(fastlyTags).slice(0, 2)).toEqual([tags, ['products']]);
    } finally {
      await app.close();
    }
  });
});
