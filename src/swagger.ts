import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

import { REFRESH_COOKIE } from 'src/auth/token-transport';
import { ACCESS_TOKEN_SCHEME, REFRESH_COOKIE_SCHEME } from 'src/common/openapi';

const DESCRIPTION = `
Warden issues short-lived **access tokens** (ES256 JWTs, \`typ: at+jwt\`) and long-lived, rotating
**refresh tokens** (\`typ: rt+jwt\`). Errors are \`application/problem+json\` with a stable \`code\`.

**Trying it here:** call \`POST /auth/register\` or \`POST /auth/login\`. With the default
\`transport: "cookie"\` your browser keeps the refresh token in an HttpOnly cookie and sends it to
\`POST /auth/refresh\` and \`POST /auth/logout\` by itself (Swagger UI cannot show or set it). With
\`transport: "body"\` the refresh token is in the response; pass it as \`refreshToken\` in the body.
After a login, registration or refresh, this page authorizes itself with the new \`accessToken\`
(**Authorize → ${ACCESS_TOKEN_SCHEME}**), so the protected routes work right away.
Public keys for verifying access tokens: \`GET /.well-known/jwks.json\`.
`;

/**
 * Runs in the browser: after a login, registration or refresh, Swagger UI authorizes itself with the
 * new access token. It is serialised with Function#toString, so it can use no outer variables; the
 * scheme name is spelled out.
 */
function authorizeWithIssuedAccessToken(response: { url: string; status: number; body?: unknown }) {
  const issued = response.body as { accessToken?: unknown } | undefined;
  if (response.status < 300 && /\/auth\/(login|register|refresh)$/.test(response.url)) {
    if (typeof issued?.accessToken === 'string') {
      const ui = (
        globalThis as { ui?: { preauthorizeApiKey(scheme: string, value: string): void } }
      ).ui;
      ui?.preauthorizeApiKey('access-token', issued.accessToken);
    }
  }
  return response;
}

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
    swaggerOptions: {
      persistAuthorization: true,
      withCredentials: true,
      responseInterceptor: authorizeWithIssuedAccessToken,
    },
  });
}
