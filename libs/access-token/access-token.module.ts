import { Module } from '@nestjs/common';

import { AccessTokenGuard } from './access-token.guard';
import { ConfigurableModuleClass } from './access-token.options';
import { AccessTokenVerifier } from './access-token.verifier';

/**
 * Verifies Warden access tokens in another Nest service, by Warden's JWKS.
 * @example
 * AccessTokenModule.forRoot({
 *   jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-api',
 * })
 * // or forRootAsync({ inject: [ConfigService], useFactory: (config) => ({ … }) })
 */
@Module({
  providers: [AccessTokenVerifier, AccessTokenGuard],
  exports: [AccessTokenVerifier, AccessTokenGuard],
})
export class AccessTokenModule extends ConfigurableModuleClass {}
