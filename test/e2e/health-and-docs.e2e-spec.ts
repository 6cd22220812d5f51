import { DataSource } from 'typeorm';

import { routesOf, type Route } from 'test/support/routes';
import { startTestApp, type TestApp } from 'test/support/test-app';

interface OpenApiOperation {
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  responses: Record<
    string,
    {
      headers?: Record<string, unknown>;
      content?: Record<string, { examples?: Record<string, { value: unknown }> }>;
    }
  >;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    securitySchemes: Record<string, Record<string, unknown>>;
    schemas: Record<string, unknown>;
  };
}

describe('health, keys and documentation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should report liveness', async () => {
    await t.http.get('/health/live').expect(200, { status: 'ok' });
  });

  it('should report readiness with the database check', async () => {
    const response = await t.http.get('/health/ready').expect(200);

    expect(response.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });

  it('should serve the JWKS publicly, with a cache lifetime', async () => {
    const response = await t.http.get('/.well-known/jwks.json').expect(200);

    expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(response.body).toEqual({
      keys: [
        expect.objectContaining({
          kty: 'EC',
          alg: 'ES256',
          use: 'sig',
          kid: expect.any(String) as unknown,
        }),
      ],
    });
  });

  it('should serve Swagger UI at /docs', async () => {
    const response = await t.http.get('/docs').redirects(1).expect(200);

    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('swagger-ui');
  });

  it('should make Swagger UI authorize itself with the access token of a login or refresh', async () => {
    const init = (await t.http.get('/docs/swagger-ui-init.js').expect(200)).text;

    expect(init).toContain('"withCredentials": true');
    expect(init).toMatch(/"responseInterceptor": function/);
    // The interceptor is serialised on its own, so it names the scheme literally.
    expect(init).toContain("preauthorizeApiKey('access-token'");
  });

  describe('/docs/openapi.json', () => {
    let document: OpenApiDocument;
    let routes: Route[];

    beforeAll(async () => {
      document = (await t.http.get('/docs/openapi.json').expect(200)).body as OpenApiDocument;
      routes = routesOf(t.app);
    });

    it('should describe every route of every controller, and nothing else', () => {
      const documented = Object.entries(document.paths)
        .filter(([path]) => !path.startsWith('/docs'))
        .flatMap(([path, operations]) =>
          Object.keys(operations).map((method) => `${method} ${path}`),
        );

      expect(documented.sort()).toEqual(
        routes
          .filter(({ path }) => !path.startsWith('/docs'))
          .map(({ method, path }) => `${method} ${path}`)
          .sort(),
      );
      expect(documented).toEqual(expect.arrayContaining(['post /auth/login', 'get /users/me']));
    });

    it('should offer the Bearer scheme and the refresh cookie scheme', () => {
      expect(document.components.securitySchemes).toEqual({
        'access-token': expect.objectContaining({
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
        }) as unknown,
        'refresh-cookie': expect.objectContaining({
          type: 'apiKey',
          in: 'cookie',
          name: 'refresh_token',
        }) as unknown,
      });
      expect(document.paths['/users/me'].get.security).toEqual([{ 'access-token': [] }]);
      expect(document.paths['/auth/refresh'].post.security).toEqual([{ 'refresh-cookie': [] }]);
    });

    it('should document request schemas and the problems each route can answer', () => {
      const login = document.paths['/auth/login'].post;
      expect(login.requestBody).toBeDefined();
      expect(Object.keys(login.responses).sort()).toEqual([
        '200',
        '400',
        '401',
        '403',
        '413',
        '415',
        '429',
        '503',
      ]);
      expect(login.responses['200'].headers).toHaveProperty('Set-Cookie');
      expect(login.responses['401'].content?.['application/problem+json'].examples).toHaveProperty(
        'invalid_credentials',
      );
      expect(login.responses['403'].content?.['application/problem+json'].examples).toHaveProperty(
        'account_disabled',
      );

      const refresh = document.paths['/auth/refresh'].post;
      expect(
        Object.keys(
          refresh.responses['401'].content?.['application/problem+json'].examples ?? {},
        ).sort(),
      ).toEqual([
        'invalid_refresh_token',
        'refresh_token_reused',
        'session_expired',
        'session_revoked',
      ]);
      expect(refresh.responses['403']).toBeDefined();
      expect(document.paths['/auth/register'].post.responses['409']).toBeDefined();
      // Swagger UI sends the first example: an empty body, so the browser's cookie is used.
      expect(refresh.requestBody).toMatchObject({
        content: { 'application/json': { examples: { cookie: { value: {} } } } },
      });
      expect(refresh.responses['400'].content?.['application/problem+json'].examples).toEqual({
        validation_failed: {
          value: expect.objectContaining({
            errors: [{ field: 'body', message: 'The request body is not valid JSON.' }],
          }) as unknown,
        },
      });
      expect(document.paths['/auth/logout'].post.responses['204'].headers).toHaveProperty(
        'Set-Cookie',
      );
      expect(document.components.schemas).toHaveProperty('TokenResponseDto');
      expect(document.components.schemas).not.toHaveProperty('Object');
      expect(document.components.schemas).toHaveProperty('ProblemDto');
    });

    it('should document a database outage (503) on every route that uses the database', () => {
      const withoutDatabase = ['/.well-known/jwks.json', '/health/live', '/health/ready'];
      for (const [path, operations] of Object.entries(document.paths)) {
        if (path.startsWith('/docs') || withoutDatabase.includes(path)) {
          continue;
        }
        for (const [method, operation] of Object.entries(operations)) {
          expect([`${method} ${path}`, operation.responses]).toEqual([
            `${method} ${path}`,
            expect.objectContaining({ '503': expect.anything() as unknown }) as unknown,
          ]);
        }
      }
    });

    it('should document, and enforce, the access token on every route that is not public', async () => {
      const protectedRoutes = routes
        .filter((route) => !route.isPublic)
        .map(({ method, path }) => ({ method, path, operation: document.paths[path][method] }));

      expect(protectedRoutes.length).toBeGreaterThan(0);
      expect(routes.filter((route) => route.isPublic).map((route) => route.path)).toEqual(
        expect.arrayContaining(['/auth/login', '/auth/refresh', '/health/live']),
      );
      for (const { method, path, operation } of protectedRoutes) {
        expect({ path, security: operation.security }).toEqual({
          path,
          security: [{ 'access-token': [] }],
        });
        const response = await t.http[method as 'get' | 'post' | 'delete'](
          path.replace('{id}', '6f1c1a34-2d0b-4c37-9a4e-0b8e7f1d2c3b'),
        );
        expect({ path, status: response.status }).toEqual({ path, status: 401 });
      }
    });
  });

  // Last: it takes the database away from this application.
  it('should report not ready, as a problem, when the database is gone', async () => {
    await t.app.get(DataSource).destroy();

    const response = await t.http.get('/health/ready').expect(503);

    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      checks: { database: { status: 'down' } },
    });
    await t.http.get('/health/live').expect(200);
  });
});
