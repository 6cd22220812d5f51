import { connect } from 'node:net';

import { registerUser, uniqueEmail } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

const PROBLEM = /^application\/problem\+json/;

describe('error responses', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer an unknown route with a not_found problem', async () => {
    const response = await t.http.get('/no/such/route').expect(404);

    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: expect.any(String) as unknown,
      code: 'not_found',
    });
  });

  it('should refuse a body over 16 KiB with payload_too_large', async () => {
    const response = await t.http
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(17 * 1024) }))
      .expect(413);

    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.body).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('should accept a body just under 16 KiB as far as the size goes', async () => {
    await t.http
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(16 * 1024 - 100) }))
      .expect(400, /validation_failed/);
  });

  it.each([
    ['a form post', 'application/x-www-form-urlencoded', 'email=a%40b.c&password=secret12345'],
    ['plain text', 'text/plain', '{"email":"a@b.c","password":"secret12345"}'],
    [
      'multipart',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    ],
  ])('should refuse %s with unsupported_media_type', async (_case, contentType, body) => {
    const response = await t.http
      .post('/auth/login')
      .set('Content-Type', contentType)
      .send(body)
      .expect(415);

    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('should refuse a body without a content type with unsupported_media_type', async () => {
    const response = await fetch(`${t.url}/auth/login`, {
      method: 'POST',
      body: new Uint8Array(Buffer.from('{"email":"a@b.c","password":"secret12345"}')),
    });

    expect(response.status).toBe(415);
  });

  it('should answer malformed JSON with validation_failed, not 500', async () => {
    const response = await t.http
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": "a@b.c", ')
      .expect(400);

    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.body).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'body', message: 'The request body is not valid JSON.' }],
    });
  });

  it('should answer JSON nested thousands of levels deep with validation_failed, not 500', async () => {
    const response = await t.http
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send(`{"email":${'['.repeat(3000)}${']'.repeat(3000)}}`)
      .expect(400);

    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.body).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'body', message: expect.stringMatching(/nested/) as unknown }],
    });
  });

  it('should refuse a display name with control characters, which the database cannot store', async () => {
    const response = await t.http
      .post('/auth/register')
      .send({ email: uniqueEmail(), password: 'correct horse battery', displayName: 'a\u0000b' })
      .expect(400);

    expect(response.body).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'displayName', message: expect.stringMatching(/control/) as unknown }],
    });
  });

  it.each([
    ['missing', {}],
    ['a number', { email: 42 }],
  ])('should report a %s email as not an email address', async (_case, fields) => {
    const response = await t.http
      .post('/auth/login')
      .send({ password: 'correct horse battery', ...fields })
      .expect(400);

    expect(response.body).toMatchObject({
      errors: [{ field: 'email', message: 'email must be an email address' }],
    });
  });

  it.each([
    ['a path parameter over the router limit', `/sessions/${'a'.repeat(101)}`],
    ['a path that is not valid percent-encoding', '/sessions/%E0%A4%A'],
  ])('should answer %s with a not_found problem', async (_case, path) => {
    const user = await registerUser(t.http);

    const response = await t.http.delete(path).auth(user.accessToken, { type: 'bearer' });

    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(PROBLEM);
    expect(response.body).toMatchObject({ status: 404, code: 'not_found' });
  });

  /** Sends `request` as it is on a new connection; resolves with what came back until it closed. */
  function rawExchange(request: string): Promise<{ head: string; body: string }> {
    return new Promise((resolve, reject) => {
      const { port } = new URL(t.url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => {
        const [head, body] = received.split('\r\n\r\n');
        resolve({ head, body });
      });
      socket.on('error', reject);
    });
  }

  it.each([
    [
      'that HTTP cannot parse',
      'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      '400 Bad Request',
      'validation_failed',
    ],
    [
      'without a Host header',
      'GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n',
      '400 Bad Request',
      'validation_failed',
    ],
    [
      'with an expectation other than 100-continue',
      'GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nConnection: close\r\n\r\n',
      '417 Expectation Failed',
      'expectation_failed',
    ],
    [
      'whose path is not valid percent-encoding',
      'GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      '404 Not Found',
      'not_found',
    ],
  ])('should answer a request %s with a problem', async (_case, request, status, code) => {
    const { head, body } = await rawExchange(request);

    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status}\r\n`));
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    // The headers of every response, also on those answered before any hook runs.
    expect(head).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    expect(head).toMatch(/\r\nreferrer-policy: no-referrer\r\n/i);
    expect(head).toMatch(/\r\nx-request-id: [\w.:-]+\r\n/i);
    expect(JSON.parse(body)).toMatchObject({ code });
  });

  it.each(['/auth/register', '/auth/login'])(
    'should refuse text that is not well-formed Unicode on %s with validation_failed, not 500',
    async (path) => {
      const response = await t.http
        .post(path)
        .set('Content-Type', 'application/json')
        .send('{"email":"x\\ud800@example.com","password":"correct horse battery"}')
        .expect(400);

      expect(response.body).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'body', message: expect.stringMatching(/Unicode/) as unknown }],
      });
    },
  );

  it.each([
    ['an array', '[1, 2]'],
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
    [
      'a __proto__ key',
      '{"__proto__": {"admin": true}, "email": "a@b.c", "password": "secret12345"}',
    ],
  ])('should answer %s as the body with 400, not 500', async (_case, body) => {
    const response = await t.http
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .send(body);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_failed' });
  });

  it('should answer an empty body with validation_failed', async () => {
    const response = await t.http
      .post('/auth/register')
      .set('Content-Type', 'application/json')
      .send('')
      .expect(400);

    expect(response.body).toMatchObject({
      code: 'validation_failed',
      errors: expect.any(Array) as unknown,
    });
  });

  it('should list every invalid field with its message', async () => {
    const response = await t.http
      .post('/auth/register')
      .send({ email: 'nope', password: 'short' })
      .expect(400);

    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: expect.any(String) as unknown,
      code: 'validation_failed',
      errors: expect.arrayContaining([
        { field: 'email', message: expect.any(String) as unknown },
        { field: 'password', message: expect.any(String) as unknown },
      ]) as unknown,
    });
  });

  it('should not reveal internals in any error', async () => {
    const responses = await Promise.all([
      t.http.post('/auth/login').set('Content-Type', 'application/json').send('{bad json'),
      t.http.post('/auth/refresh').send({ refreshToken: 'a.b.c' }),
      t.http.get('/users/me').set('Authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.'),
    ]);

    for (const response of responses) {
      expect(response.text).not.toMatch(
        /at \w+ \(|node_modules|Error:|stack|SyntaxError|jsonwebtoken/,
      );
    }
  });

  it('should answer a wrong method on a known path with a problem', async () => {
    const response = await t.http.get('/auth/login');

    expect([404, 405]).toContain(response.status);
    expect(response.headers['content-type']).toMatch(PROBLEM);
  });

  it('should name the request in an X-Request-Id header, keeping a sane one from the caller', async () => {
    const generated = await t.http.get('/health/live').expect(200);
    const echoed = await t.http.get('/no/such/route').set('X-Request-Id', 'trace-123').expect(404);
    const replaced = await t.http
      .get('/health/live')
      .set('X-Request-Id', 'bad id\twith spaces')
      .expect(200);

    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should keep registered users working after all this', async () => {
    const user = await registerUser(t.http);
    await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
  });
});
