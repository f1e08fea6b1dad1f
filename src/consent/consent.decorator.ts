import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { getConsentContext } from './consent-context.js';
import type { ConsentState } from './consent-subject.js';

/**
 * Parameter decorator giving the request subject's {@link ConsentState}, as the module's gate resolved it
 * (undefined on a route the gate did not run on).
 */
export const Consent = createParamDecorator((_data: unknown, context: ExecutionContext): ConsentState | undefined => {
  return getConsentContext(context.switchToHttp().getRequest<Request>())?.state();
});
