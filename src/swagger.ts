import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

import { REFRESH_COOKIE } from 'src/auth/refresh-token-source';
import { ACCESS_TOKEN_SCHEME, REFRESH_COOKIE_SCHEME } from 'src/common/openapi';

const DESCRIPTION = `
Warden issues short-lived **access tokens** (ES256 JWTs, \`typ: at+jwt\`) and long-lived, rotating
**refresh tokens** (\`typ: rt+jwt\`). Errors are \`application/problem+json\` with a stable \`code\`.

**Trying it here:** call \`POST /auth/register\` or \`POST /auth/login\`. With the default
\`transport: "cookie"\` your browser keeps the refresh token in an HttpOnly cookie and sends it to
\`POST /auth/refresh\` and \`POST /auth/logout\` by itself (Swagger UI cannot show or set it). With
\`transport: "body"\` the refresh token is in the response; pass it as \`refreshToken\` in the body.
Put the \`accessToken\` into **Authorize → ${ACCESS_TOKEN_SCHEME}** to call the protected routes.
Public keys for verifying access tokens: \`GET /.well-known/jwks.json\`.
`;

/** Swagger UI at /docs, the OpenAPI document at /docs/openapi.json. */
export function setUpSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Warden')
      .setDescription(DESCRIPTION)
      .setVersion('1.0')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `accessToken` of a token response.',
        },
        ACCESS_TOKEN_SCHEME,
      )
      .addCookieAuth(
        REFRESH_COOKIE,
        {
          type: 'apiKey',
          in: 'cookie',
          name: REFRESH_COOKIE,
          description:
            'Set by Warden as an HttpOnly cookie (Path=/auth); the browser sends it on its own.',
        },
        REFRESH_COOKIE_SCHEME,
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
    swaggerOptions: { persistAuthorization: true, withCredentials: true },
  });
}
