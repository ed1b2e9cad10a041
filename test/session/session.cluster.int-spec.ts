import { RedisClusterFixture } from '../harness/index.js';
import { sessionSuite } from './session-suite.js';

sessionSuite('a 3-master cluster', async () => {
  const cluster = await RedisClusterFixture.start();
  return {
    connection: { cluster: { nodes: cluster.addresses } },
    cli: (...a) => Promise.all(cluster.nodes.map((n) => n.cli(...a))),
    stop: () => cluster.stop(),
  };
});
