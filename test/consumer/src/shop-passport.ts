import { type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuthGuard, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import { AuthService, type AuthUser } from 'nestjs-auth-consent';
import { Strategy as LocalStrategy } from 'passport-local';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';

/** The NestJS docs' session recipe, as a shop would write it: its own local strategy over the module's users. */
@Injectable()
export class ShopLocalStrategy extends PassportStrategy(LocalStrategy, 'shop-local') {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'email' });
  }

  async validate(email: string, password: string): Promise<AuthUser> {
    const user = await this.auth.verifyCredentials(email, password);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}

/** `super.logIn(req)` after authenticating, as the recipe does: Passport's req.logIn starts the session. */
@Injectable()
export class ShopLocalGuard extends AuthGuard('shop-local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const ok = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return ok;
  }
}

/** The recipe's serializer stores the whole user; the module resolves it to the user's ID. */
@Injectable()
export class ShopSerializer extends PassportSerializer {
  serializeUser(user: unknown, done: (err: unknown, user?: unknown) => void): void {
    done(null, user);
  }

  deserializeUser(payload: unknown, done: (err: unknown, payload?: unknown) => void): void {
    done(null, payload);
  }
}

/** "Sign in with …": an OAuth2 provider whose base URL is OAUTH_BASE; its `/me` names the shop customer. */
@Injectable()
export class ShopOAuthStrategy extends PassportStrategy(OAuth2Strategy, 'shop-oauth') {
  constructor(
    config: ConfigService,
    private readonly auth: AuthService,
  ) {
    const base = config.get<string>('OAUTH_BASE', 'http://127.0.0.1:1');
    super({
      authorizationURL: `${base}/authorize`,
      tokenURL: `${base}/token`,
      clientID: 'shop',
      clientSecret: 'shop-secret',
      callbackURL: '/shop/oauth/callback',
      state: true,
    });
    this.base = base;
  }

  private readonly base: string;

  async validate(accessToken: string): Promise<AuthUser> {
    const me = await fetch(`${this.base}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    const email = me.ok ? ((await me.json()) as { email?: string }).email : undefined;
    const user = email ? await this.auth.findByUsername(email) : null;
    if (!user) throw new UnauthorizedException();
    return { id: user.id, username: user.username, roles: user.roles };
  }
}

@Injectable()
export class ShopOAuthGuard extends AuthGuard('shop-oauth') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const ok = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return ok;
  }
}
