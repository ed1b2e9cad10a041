// nestjs-rediskit/prisma: a query cache for Prisma clients. It never imports @prisma/client (an
// optional peer): it extends the client it is given.
export { withQueryCache, type PrismaQueryCacheOptions, type PrismaClientLike } from './prisma/prisma-query-cache.js';
