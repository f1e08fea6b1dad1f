import { type CanActivate, type ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ConsentRequiredException } from './consent.exceptions.js';
import { ConsentService } from './consent.service.js';

/** Metadata key of {@link RequiresConsent}. */
export const REQUIRES_CONSENT = 'nestjs-auth-consent:requires-consent';

/**
 * Lets a request through only when its subject granted every category named by `@RequiresConsent()`.
 *
 * Works in any module of the app, whether or not AuthConsentModule is global: Nest builds a guard named in
 * `@UseGuards()` in the controller's own module, where ConsentService is not visible unless the module is
 * global, so the guard then finds the module's ConsentService through ModuleRef (Reflector and ModuleRef are
 * available everywhere).
 */
@Injectable()
export class ConsentGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    @Optional() private consent?: ConsentService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const categories = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRES_CONSENT, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!categories?.length) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const consent = (this.consent ??= this.findConsentService());
    const missing: string[] = [];
    for (const c of categories) if (!(await consent.isGranted(req, c))) missing.push(c);
    if (missing.length) throw new ConsentRequiredException(missing);
    return true;
  }

  private findConsentService(): ConsentService {
    const found = this.moduleRef.get(ConsentService, { strict: false });
    if (!found) throw new Error('ConsentGuard needs AuthConsentModule imported in the app (forRoot or forRootAsync).');
    return found;
  }
}
