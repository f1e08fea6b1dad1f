import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal OAuth2 authorization server on loopback: `/authorize` sends the browser back to the client's
 * callback with a code (and the client's `state`), `/token` trades that code for an access token and
 * `/me` names the user the token belongs to (`{ email }`). Each code works once.
 */
export class FakeOAuth2Server {
  private readonly codes = new Map<string, string>();
  private readonly tokens = new Map<string, string>();
  private server?: Server;
  /** The username the next authorization is granted for. */
  nextUser = 'oauth-user';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/authorize') {
        const code = `code-${this.codes.size + 1}`;
        this.codes.set(code, this.nextUser);
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', code);
        if (url.searchParams.has('state')) back.searchParams.set('state', url.searchParams.get('state')!);
        res.writeHead(302, { Location: back.toString() }).end();
        return;
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const code = new URLSearchParams(body).get('code') ?? '';
          const user = this.codes.get(code);
          this.codes.delete(code);
          if (!user)
            return void res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid_grant"}');
          const token = `token-${code}`;
          this.tokens.set(token, user);
          res
            .writeHead(200, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ access_token: token, token_type: 'bearer' }));
        });
        return;
      }
      if (url.pathname === '/me') {
        const user = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!user) return void res.writeHead(401).end();
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ email: user }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The user a token was issued for (what a strategy's profile lookup would return). */
  userOf(token: string): string | undefined {
    return this.tokens.get(token);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
