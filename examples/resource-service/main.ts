import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

import { ResourceServiceModule } from './resource-service.module';

/** A service that trusts Warden's access tokens without calling Warden. */
async function main(): Promise<void> {
  const wardenUrl = process.env.WARDEN_URL ?? 'http://localhost:3000';
  const app = await NestFactory.create<NestFastifyApplication>(
    ResourceServiceModule.forRoot({
      jwksUrl: `${wardenUrl}/.well-known/jwks.json`,
      issuer: process.env.WARDEN_ISSUER ?? 'warden',
      audience: process.env.WARDEN_AUDIENCE ?? 'warden-api',
    }),
    new FastifyAdapter(),
  );
  await app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' });
}

void main();
