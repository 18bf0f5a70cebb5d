import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { silentLogger } from '../src/log.js';
import { createHttpServer } from '../src/server.js';

describe('createHttpServer', () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = createHttpServer(
      [
        { method: 'GET', path: '/healthz', handler: (_req, res) => void res.writeHead(200).end('ok\n') },
        { method: 'POST', path: '/fail', handler: () => Promise.reject(new Error('handler failed')) },
      ],
      silentLogger(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('GET route answers', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });

  test('HEAD runs the GET route without a body', async () => {
    const response = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  test('wrong method is 405 with Allow', async () => {
    const response = await fetch(`${base}/healthz`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });

  test('unknown path is 404', async () => {
    expect((await fetch(`${base}/nope?x=1`)).status).toBe(404);
  });

  test('failing handler is 500', async () => {
    expect((await fetch(`${base}/fail`, { method: 'POST' })).status).toBe(500);
  });
});
