import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { Session } from 'express-session';
import { ShopLocalGuard, ShopOAuthGuard } from './shop-passport.js';
import {
  AuthenticatedGuard,
  AuthService,
  Consent,
  CurrentUser,
  PasswordPolicyError,
  RequiresConsent,
  UsernameTakenError,
  type AuthUser,
  type ConsentState,
} from 'nestjs-auth-consent';

/** The shop's own routes, guarded by what the module exports. */
@Controller('shop')
export class ShopController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @HttpCode(201)
  async signup(@Body() body: { email?: unknown; password?: unknown }): Promise<{ id: string; username: string }> {
    if (typeof body?.email !== 'string' || typeof body.password !== 'string')
      throw new BadRequestException('email and password are required strings.');
    try {
      const user = await this.auth.createUser(body.email, body.password, ['customer']);
      return { id: user.id, username: user.username };
    } catch (err) {
      if (err instanceof UsernameTakenError) throw new ConflictException('This email already has an account.');
      if (err instanceof PasswordPolicyError) throw new BadRequestException(err.message);
      throw err;
    }
  }

  @Get('account')
  @UseGuards(AuthenticatedGuard)
  account(@CurrentUser() user: AuthUser): { id: string; username: string; roles: string[] } {
    return { id: user.id, username: user.username, roles: user.roles };
  }

  @Get('recommendations')
  @RequiresConsent('personalisation')
  recommendations(
    @Consent() consent: ConsentState,
    @Res({ passthrough: true }) res: Response,
  ): { items: string[]; policyVersion: string } {
    res.cookie('shop_reco', 'p-42', { httpOnly: true, sameSite: 'lax', maxAge: 30 * 86_400_000 });
    return { items: ['p-42', 'p-7'], policyVersion: consent.policyVersion };
  }

  /** Tries to set both optional cookies on every call; the module's gate strips the ones not consented to. */
  @Get('landing')
  landing(@Res({ passthrough: true }) res: Response): { ok: true } {
    res.cookie('shop_reco', 'p-1', { httpOnly: true, sameSite: 'lax' });
    res.cookie('shop_ads', 'ad-1', { httpOnly: true, sameSite: 'lax' });
    return { ok: true };
  }

  /** What express-session gives the shop's routes. */
  @Get('session')
  session(@Req() req: Request): { isSession: boolean; hasId: boolean; methods: string[] } {
    const methods = ['regenerate', 'save', 'destroy', 'reload', 'touch'].filter(
      (m) => typeof (req.session as unknown as Record<string, unknown>)[m] === 'function',
    );
    return { isSession: req.session instanceof Session, hasId: typeof req.sessionID === 'string', methods };
  }

  @Post('recipe/login')
  @HttpCode(200)
  @UseGuards(ShopLocalGuard)
  recipeLogin(@Req() req: Request): { user: unknown } {
    return { user: req.user };
  }

  @Post('recipe/logout')
  @HttpCode(204)
  async recipeLogout(@Req() req: Request): Promise<void> {
    await new Promise<void>((resolve, reject) => req.logOut((err) => (err ? reject(err) : resolve())));
  }

  @Get('oauth/start')
  @UseGuards(ShopOAuthGuard)
  oauthStart(): void {}

  @Get('oauth/callback')
  @UseGuards(ShopOAuthGuard)
  oauthCallback(@Req() req: Request): { user: unknown } {
    return { user: req.user };
  }
}
