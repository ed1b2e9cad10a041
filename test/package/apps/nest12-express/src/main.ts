import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import session from 'express-session';
import { RediskitSessionStore } from 'nestjs-rediskit/express-session';
import { ExpressAppModule } from './express-app.module.js';

const app = await NestFactory.create(ExpressAppModule, { logger: ['error', 'warn'] });
app.use(session({ store: RediskitSessionStore.fromApp(app), secret: 'compat-secret', resave: false, saveUninitialized: false }));
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT), '127.0.0.1');
console.log(`listening on ${await app.getUrl()}`);
