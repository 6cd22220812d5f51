import { ConfigurableModuleBuilder } from '@nestjs/common';

/** How a resource service recognises Warden's access tokens. */
export interface AccessTokenModuleOptions {
  /** Warden's public keys, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  jwksUrl: string;
  /** Warden's `JWT_ISSUER`: the `iss` every token must carry. */
  issuer: string;
  /** Warden's `JWT_AUDIENCE`, or this service's audience: the `aud` a token must carry. */
  audience: string | string[];
  /** Accepted signature algorithms. Default `['ES256']`, Warden's default. */
  algorithms?: string[];
  /** Tolerance on `exp` and `nbf`, in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /**
   * The shortest time between two fetches of the JWKS when a token names an unknown `kid`
   * (a key Warden has just added), in milliseconds. Default 30 000.
   */
  jwksRefetchCooldownMs?: number;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: ACCESS_TOKEN_OPTIONS } =
  new ConfigurableModuleBuilder<AccessTokenModuleOptions>().setClassMethodName('forRoot').build();
