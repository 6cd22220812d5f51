import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';

import { Public } from 'src/auth/decorators/public.decorator';
import { KeyMaterial } from 'src/auth/tokens/key-material';
import { ApiProblems, RATE_LIMIT_PROBLEMS } from 'src/common/openapi';

@ApiTags('keys')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyMaterial) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public keys that verify access tokens',
    description:
      'Select the key by the `kid` of the token header. Several keys are listed during a key rotation.',
  })
  @ApiProblems(...RATE_LIMIT_PROBLEMS)
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['keys'],
      properties: {
        keys: {
          type: 'array',
          description: 'Public JWKs (RFC 7517), each with `kid`, `alg` and `use: "sig"`.',
          items: { type: 'object', additionalProperties: true },
        },
      },
      example: {
        keys: [
          {
            kty: 'EC',
            crv: 'P-256',
            x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
            y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
            kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
            alg: 'ES256',
            use: 'sig',
          },
        ],
      },
    },
  })
  jwks(): { keys: JWK[] } {
    return this.keys.jwks;
  }
}
