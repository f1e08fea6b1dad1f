import {
  BadRequestException,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import { ModulePassport } from './module-passport.js';
import { LoginRefusedException, SessionStoreUnavailableException } from '../session/session.exceptions.js';
import { isSessionUnavailable } from '../session/session-meta.js';
import type { AuthUser } from './auth-user.js';
import { InvalidCredentialsException } from './auth.exceptions.js';
import { LoginSessionService } from './login-session.service.js';
import { throttleStep } from './throttle-step.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { checkedCredentials, LOCAL_STRATEGY } from './local.strategy.js';
import { LoginDto } from './login.dto.js';
import { assertPlainJsonBody } from '../common/json-body.shape.js';

/**
 * The login guard: validates the body, applies throttling, runs the local strategy and then really logs in
 * (Nest's AuthGuard alone never starts a session), with a new session ID.
 */
@Injectable()
export class LoginGuard implements CanActivate {
  constructor(
    private readonly throttle: LoginThrottleService,
    private readonly loginSessions: LoginSessionService,
    private readonly modulePassport: ModulePassport,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (isSessionUnavailable(req)) throw new SessionStoreUnavailableException();
    const body = await this.validBody(req.body);
    const ip = req.ip ?? '';

    // The attempt is counted before the password is checked (parallel guesses cannot share one read); a
    // wrong password keeps it counted, a right one clears the account, anything else gives it back.
    const slots = await throttleStep(res, () => this.throttle.take(body.username, ip));
    try {
      req.user = await this.authenticate(req, res);
    } catch (err) {
      if (err instanceof UnauthorizedException) throw new InvalidCredentialsException();
      await this.throttle.abandoned(slots);
      throw err;
    }
    await throttleStep(res, () => this.throttle.succeeded(slots));
    try {
      req.user = await this.loginSessions.logIn(req, req.user as AuthUser, {
        remember: body.remember === true,
        ...checkedCredentials(req),
      });
    } catch (err) {
      // Disabled or re-keyed while the password was checked: the one answer of every failed login.
      if (err instanceof LoginRefusedException) throw new InvalidCredentialsException();
      throw err;
    }
    return true;
  }

  /** Runs the local strategy on this module's Passport; resolves the user or rejects with a 401. */
  private authenticate(req: Request, res: Response): Promise<AuthUser> {
    return new Promise((resolve, reject) => {
      const done = (err: unknown, user?: AuthUser | false) => {
        if (err) reject(err);
        else if (!user) reject(new InvalidCredentialsException());
        else resolve(user);
      };
      this.modulePassport.instance.authenticate(LOCAL_STRATEGY, { session: false }, done)(req, res, reject);
    });
  }

  private async validBody(body: unknown): Promise<LoginDto> {
    const dto = plainToInstance(LoginDto, assertPlainJsonBody(body));
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true });
    if (errors.length > 0) throw new BadRequestException(errors.flatMap((e) => Object.values(e.constraints ?? {})));
    return dto;
  }
}
