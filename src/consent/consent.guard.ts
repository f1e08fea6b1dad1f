import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ConsentRequiredException } from './consent.exceptions.js';
import { ConsentService } from './consent.service.js';

/** Metadata key of {@link RequiresConsent}. */
export const REQUIRES_CONSENT = 'nestjs-auth-consent:requires-consent';

/** Lets a request through only when its subject granted every category named by `@RequiresConsent()`. */
@Injectable()
export class ConsentGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly consent: ConsentService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const categories = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRES_CONSENT, [context.getHandler(), context.getClass()]);
    if (!categories?.length) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const missing: string[] = [];
    for (const c of categories) if (!(await this.consent.isGranted(req, c))) missing.push(c);
    if (missing.length) throw new ConsentRequiredException(missing);
    return true;
  }
}
