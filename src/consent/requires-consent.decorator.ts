import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ConsentGuard, REQUIRES_CONSENT } from './consent.guard.js';

/** The route answers 403 (with a message naming the categories) unless the caller granted every one of them. */
export function RequiresConsent(...categories: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRES_CONSENT, categories), UseGuards(ConsentGuard));
}
