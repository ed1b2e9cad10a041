export { RedisServer, redisCli } from './redis-server.js';
export { RedisClusterFixture } from './cluster.js';
export { SentinelFixture, MASTER_NAME } from './sentinel.js';
export { freePort, sleep, waitFor } from './processes.js';
